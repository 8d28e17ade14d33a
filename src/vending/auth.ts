// Access tokens for the ScratchPower APIs (v1 and the deprecated Current API, which share the login
// exchange): log in lazily, refresh shortly before `access_in` elapses, log in afresh after a 401, and keep
// at most ONE login/refresh in flight however many callers need a token (a burst of USSD sessions must not
// become a burst of logins). Tokens and passwords are never logged.

import { z } from "zod";
import type { Logger } from "../log.js";
import { customerMessage, type VendorFailureCause } from "./messages.js";
import { VendorError } from "./vendor.js";
import { sendVendorRequest, type VendorHttpRequest, type VendorHttpResult } from "./vendor-http.js";

export interface ScratchPowerCredentials {
  clientId: string;
  clientSecret: string;
  /** Sent as `identifier`. */
  username: string;
  /** Sent as `secret_pass`. */
  password: string;
  orgCode: string;
}

export interface TokenManagerOptions {
  /** Vendor base URL without `/v1`. */
  baseUrl: string;
  /** Put between the base URL and `/auth/login|refresh` (default `/v1`; the Current API uses ""). */
  pathPrefix?: string;
  /**
   * The vendor may answer a refused login/refresh with HTTP 200 and an error body
   * `{response_code, response_message}` (the Current API does); such a body is then read as a refusal
   * like a 4xx, so an expired refresh token still falls back on a login (default false).
   */
  refusalsInHttp200?: boolean;
  credentials: ScratchPowerCredentials;
  /** Deadline of each login/refresh call. */
  timeoutMs: number;
  logger: Logger;
  /** `source_channel` sent on login (default `USSD`). */
  sourceChannel?: string;
  /** Renew this long before the token expires (default 60 s, at most a fifth of the token's lifetime). */
  refreshMarginMs?: number;
}

const sessionResponseSchema = z.object({
  access_token: z.string().min(1),
  access_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
  refresh_in: z.number().positive().optional(),
});

/** The error body of a refusal answered with HTTP 200 (see `refusalsInHttp200`). */
const refusalBodySchema = z.object({
  response_code: z.union([z.string(), z.number()]),
  response_message: z.string().optional(),
});

/** What an authorised call came to: the vendor's answer, or why no token could be sent with it. */
export type AuthorisedResult =
  | VendorHttpResult
  /** No token to send (login failed), before sending or after a 401: the vendor processed nothing. */
  | { kind: "no-session"; error: VendorError };

interface Session {
  accessToken: string;
  /** When to renew (expiry minus margin). */
  renewAt: number;
  expiresAt: number;
  refreshToken?: string;
  refreshUsableUntil: number;
}

export class ScratchPowerTokenManager {
  private session?: Session;
  private renewal?: Promise<Session>;
  private readonly log: Logger;

  constructor(private readonly options: TokenManagerOptions) {
    this.log = options.logger.child({ component: "scratchpower-auth" });
  }

  /** A usable access token; logs in or refreshes first when needed. Throws VendorError `unavailable`. */
  async accessToken(): Promise<string> {
    const current = this.session;
    if (current && Date.now() < current.renewAt) return current.accessToken;
    try {
      return (await this.renew()).accessToken;
    } catch (error) {
      // Renewal starts early (margin), so a failed renewal can still fall back on a token that has not expired.
      if (current && this.session === current && Date.now() < current.expiresAt - 1000)
        return current.accessToken;
      throw error;
    }
  }

  /**
   * The vendor answered 401 to `rejectedToken`: drop that session (it may have been revoked, so no refresh)
   * and return a token from a fresh login. Concurrent callers rejected with the same token share one login.
   */
  async tokenAfterUnauthorized(rejectedToken: string): Promise<string> {
    if (this.session?.accessToken === rejectedToken) this.session = undefined;
    return this.accessToken();
  }

  /**
   * Sends `request` with a Bearer token; after a 401 logs in afresh and sends once more, unless `once` (a
   * confirm: it is sent at most once, ever, so its 401 is returned to the caller). Never throws.
   */
  async send(request: Omit<VendorHttpRequest, "bearer">, once = false): Promise<AuthorisedResult> {
    let token: string;
    try {
      token = await this.accessToken();
    } catch (error) {
      return { kind: "no-session", error: asVendorError(error) };
    }
    const result = await sendVendorRequest({ ...request, bearer: token });
    if (result.kind !== "answered" || result.status !== 401) return result;
    if (once) {
      // The next call must not reuse the refused token.
      if (this.session?.accessToken === token) this.session = undefined;
      return result;
    }
    this.log.info({ url: request.url }, "vendor answered 401; logging in again");
    try {
      token = await this.tokenAfterUnauthorized(token);
    } catch (error) {
      return { kind: "no-session", error: asVendorError(error) };
    }
    return sendVendorRequest({ ...request, bearer: token });
  }

  private renew(): Promise<Session> {
    if (!this.renewal) {
      this.renewal = this.obtainSession().finally(() => {
        this.renewal = undefined;
      });
    }
    return this.renewal;
  }

  private async obtainSession(): Promise<Session> {
    const current = this.session;
    if (current?.refreshToken && Date.now() < current.refreshUsableUntil) {
      // Any failed refresh (refused, 5xx, timeout, unreadable) falls back to a fresh login.
      const refreshed = await this.request("refresh", { refresh_token: current.refreshToken }).catch(
        () => undefined,
      );
      if (refreshed) {
        this.session = refreshed;
        return refreshed;
      }
    }
    const { credentials } = this.options;
    const session = await this.request("login", {
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      grant_type: "password",
      identifier: credentials.username,
      secret_pass: credentials.password,
      org_code: credentials.orgCode,
      source_channel: this.options.sourceChannel ?? "USSD",
    });
    if (!session) {
      throw new VendorError("unavailable", customerMessage("login_failed"), "vendor refused our login");
    }
    this.session = session;
    return session;
  }

  /** Returns the new session, undefined when the vendor refused (4xx), or throws when it did not answer usefully. */
  private async request(
    kind: "login" | "refresh",
    body: Record<string, unknown>,
  ): Promise<Session | undefined> {
    const startedAt = Date.now();
    const result = await sendVendorRequest({
      method: "POST",
      url: `${this.options.baseUrl}${this.options.pathPrefix ?? "/v1"}/auth/${kind}`,
      body,
      timeoutMs: this.options.timeoutMs,
    });
    const ms = Date.now() - startedAt;
    const fail = (cause: VendorFailureCause, detail: string): never => {
      this.log.warn({ kind, ms, cause, detail }, "vendor auth failed");
      throw new VendorError("unavailable", customerMessage(cause), `vendor ${kind}: ${detail}`);
    };
    if (result.kind === "no-answer") return fail(result.cause, result.detail);
    if (result.status >= 400 && result.status < 500 && result.status !== 408 && result.status !== 429) {
      this.log.warn({ kind, ms, status: result.status }, "vendor refused auth");
      return undefined;
    }
    if (result.status === 408) return fail("timeout", "HTTP 408");
    if (result.status === 429) return fail("busy", "HTTP 429");
    if (result.status >= 300) return fail("server_error", `HTTP ${result.status}`);
    const parsed = sessionResponseSchema.safeParse(result.body);
    if (!parsed.success) {
      // No session in a 200: with `refusalsInHttp200` an error body is the vendor saying no, as a 4xx would.
      const refusal = this.options.refusalsInHttp200 ? refusalBodySchema.safeParse(result.body) : undefined;
      if (refusal?.success) {
        this.log.warn({ kind, ms, code: refusal.data.response_code }, "vendor refused auth");
        return undefined;
      }
      return fail("bad_response", `unexpected ${kind} body`);
    }
    this.log.info({ kind, ms, accessIn: parsed.data.access_in }, "vendor session obtained");
    return this.toSession(parsed.data, startedAt);
  }

  private toSession(body: z.infer<typeof sessionResponseSchema>, requestedAt: number): Session {
    // Lifetimes count from when we asked, not when the answer arrived: errs towards renewing early.
    const lifetimeMs = body.access_in * 1000;
    const marginMs = Math.min(this.options.refreshMarginMs ?? 60_000, lifetimeMs / 5);
    return {
      accessToken: body.access_token,
      renewAt: requestedAt + lifetimeMs - marginMs,
      expiresAt: requestedAt + lifetimeMs,
      refreshToken: body.refresh_token,
      refreshUsableUntil:
        body.refresh_in === undefined
          ? Number.POSITIVE_INFINITY
          : requestedAt + body.refresh_in * 1000 - 1000,
    };
  }
}

function asVendorError(error: unknown): VendorError {
  if (error instanceof VendorError) return error;
  return new VendorError(
    "unavailable",
    customerMessage("network"),
    (error as Error)?.message ?? String(error),
  );
}
