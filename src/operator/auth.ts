// Who may open the operator page and the simulator, and CSRF protection on their actions.
//
// - `OPERATOR_USERS` (`name:scrypt.N.r.p.salt.hash`, comma-separated; `npm run operator-password` prints
//   the part after the colon) and/or `OPERATOR_TOKEN` (at least 16 characters): a login is required from
//   anywhere. The token also works as `Authorization: Bearer <token>` (scripts).
// - Neither set, built-in sandbox: no login, but only from this machine (loopback).
// - Neither set, a real vendor: refused; real money needs named operators.
//
// A login is a signed cookie (HMAC-SHA256, 8 hours). The signing key is derived from the configured
// credentials, so every instance with the same configuration accepts it and changing a password ends every
// session; without credentials (loopback only) it is random per process. Each form carries a CSRF token
// derived from the session with the same key.
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";

interface ScryptHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const HASH_PATTERN = /^scrypt\.(\d{1,7})\.(\d{1,2})\.(\d{1,2})\.([\w-]{16,})\.([\w-]{32,})$/;
const NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const SESSION_MS = 8 * 3600 * 1000;
const COOKIE = "operator_session";

/** Parses `OPERATOR_USERS`; throws an Error saying what is wrong (config.ts names the variable). */
export function parseOperatorUsers(raw: string): Map<string, ScryptHash> {
  const users = new Map<string, ScryptHash>();
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const colon = entry.indexOf(":");
    const name = entry.slice(0, colon);
    const match = HASH_PATTERN.exec(entry.slice(colon + 1));
    if (colon < 1 || !NAME_PATTERN.test(name) || !match) {
      throw new Error(
        "must be name:scrypt.N.r.p.salt.hash entries separated by commas (npm run operator-password)",
      );
    }
    const [, N, r, p, salt, hash] = match as unknown as [string, string, string, string, string, string];
    users.set(name, {
      N: Number(N),
      r: Number(r),
      p: Number(p),
      salt: Buffer.from(salt, "base64url"),
      hash: Buffer.from(hash, "base64url"),
    });
  }
  return users;
}

function scryptAsync(password: string, salt: Buffer, length: number, cost: ScryptHash): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      password,
      salt,
      length,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r },
      (e, key) => (e ? reject(e) : resolve(key)),
    );
  });
}

/** The stored form of a password: `scrypt.16384.8.1.<salt>.<hash>` (base64url). */
export async function hashOperatorPassword(password: string): Promise<string> {
  const cost = { N: 16_384, r: 8, p: 1 };
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, 32, { ...cost, salt, hash: Buffer.alloc(0) });
  return `scrypt.${cost.N}.${cost.r}.${cost.p}.${salt.toString("base64url")}.${hash.toString("base64url")}`;
}

export interface OperatorAccessOptions {
  /** Raw `OPERATOR_USERS` and `OPERATOR_TOKEN` (validated by config.ts). */
  users?: string;
  token?: string;
  /** The vendor is the built-in sandbox. */
  sandbox: boolean;
}

/** Set on `res.locals.operator` for every request let through. */
export interface Operator {
  /** Who acts, for the audit trail: a user name, `token`, or `local` (loopback, no credentials). */
  who: string;
  /** The CSRF token every form of this page must send back as `csrf`. */
  csrf: string;
}

function hostOf(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

const equal = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
const isLoopback = (address: string | undefined) =>
  address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";

export class OperatorAccess {
  private readonly users: Map<string, ScryptHash>;
  private readonly token: Buffer | undefined;
  private readonly key: Buffer;
  readonly mode: "login" | "loopback" | "refused";

  constructor(options: OperatorAccessOptions) {
    this.users = options.users ? parseOperatorUsers(options.users) : new Map();
    this.token = options.token ? Buffer.from(options.token) : undefined;
    const credentials = this.users.size > 0 || this.token !== undefined;
    this.mode = credentials ? "login" : options.sandbox ? "loopback" : "refused";
    this.key = credentials
      ? createHash("sha256")
          .update(`operator-session\0${options.users ?? ""}\0${options.token ?? ""}`)
          .digest()
      : randomBytes(32);
  }

  /** Lets a request through (with `res.locals.operator` set) or answers it: login page, 401 or 403. */
  guard(options: { api: boolean }): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      if (this.mode === "refused") {
        res
          .status(403)
          .type("text/plain")
          .send(
            "The operator page needs OPERATOR_USERS or OPERATOR_TOKEN when the vendor is not the sandbox.",
          );
        return;
      }
      if (this.mode === "loopback") {
        // The socket's own address: X-Forwarded-For must not turn a remote caller into a local one.
        if (!isLoopback(req.socket.remoteAddress)) {
          res
            .status(403)
            .type("text/plain")
            .send("Without OPERATOR_USERS or OPERATOR_TOKEN this page answers only on this machine.");
          return;
        }
        res.locals.operator = { who: "local", csrf: this.sign("csrf.local") } satisfies Operator;
        next();
        return;
      }
      const bearer = /^Bearer (.+)$/.exec(req.get("authorization") ?? "")?.[1];
      if (bearer && this.token && equal(Buffer.from(bearer), this.token)) {
        // A header browsers never add on their own: no CSRF token needed for it.
        res.locals.operator = { who: "token", csrf: "" } satisfies Operator;
        res.locals.bearer = true;
        next();
        return;
      }
      const session = this.session(req);
      if (session) {
        res.locals.operator = session;
        next();
        return;
      }
      if (options.api) res.status(401).json({ error: "login required" });
      else res.redirect(303, `/operator/login?next=${encodeURIComponent(req.originalUrl)}`);
    };
  }

  /** Checks a form's CSRF token (and its Origin, when the browser sends one) before any action. */
  csrf(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const operator = res.locals.operator as Operator | undefined;
      if (res.locals.bearer === true) return next();
      const origin = req.get("origin");
      const sent = typeof req.body?.csrf === "string" ? req.body.csrf : (req.get("x-csrf-token") ?? "");
      const sameOrigin = origin === undefined || (origin !== "null" && hostOf(origin) === req.get("host"));
      if (!operator || !sameOrigin || !equal(Buffer.from(sent), Buffer.from(operator.csrf))) {
        res
          .status(403)
          .type("text/plain")
          .send("This form has expired or came from another site: reload the page.");
        return;
      }
      next();
    };
  }

  /** Checks a login; on success sets the session cookie and returns true. */
  async login(req: Request, res: Response, name: string, password: string): Promise<boolean> {
    let who: string | undefined;
    const user = this.users.get(name);
    if (user) {
      const hash = await scryptAsync(password, user.salt, user.hash.length, user);
      if (equal(hash, user.hash)) who = name;
    }
    if (!who && this.token && equal(Buffer.from(password), this.token)) who = "token";
    if (!who) return false;
    const expires = Date.now() + SESSION_MS;
    const value = `${who}.${expires}.${this.sign(`session.${who}.${expires}`)}`;
    res.cookie(COOKIE, value, {
      httpOnly: true,
      sameSite: "strict",
      secure: req.secure,
      path: "/",
      maxAge: SESSION_MS,
    });
    return true;
  }

  logout(res: Response): void {
    res.clearCookie(COOKIE, { path: "/" });
  }

  private session(req: Request): Operator | undefined {
    const cookie = (req.get("cookie") ?? "")
      .split(";")
      .map((c) => c.trim())
      .find((c) => c.startsWith(`${COOKIE}=`))
      ?.slice(COOKIE.length + 1);
    const [who, expires, signature] = decodeURIComponent(cookie ?? "").split(".");
    if (!who || !expires || !signature || Number(expires) < Date.now()) return undefined;
    if (!equal(Buffer.from(signature), Buffer.from(this.sign(`session.${who}.${expires}`)))) return undefined;
    return { who, csrf: this.sign(`csrf.${who}.${expires}`) };
  }

  private sign(text: string): string {
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }
}
