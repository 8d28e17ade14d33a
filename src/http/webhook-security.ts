// Who may call a webhook: a shared secret (header `x-webhook-secret` or query `key`, so it also works as
// an unguessable URL), an IP allow-list (CIDR), and optional basic auth, each per aggregator. A request
// that fails is answered 403 and logged without its body.
import { timingSafeEqual } from "node:crypto";
import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Logger } from "../log.js";

export interface WebhookSecurity {
  secret?: string;
  /** CIDR ranges, e.g. `196.201.214.0/24`, `2c0f:fe38::/32`, or single addresses. */
  allowIps?: string[];
  basicAuth?: { user: string; password: string };
}

/** Parses a comma-separated CIDR list; throws naming the first bad entry. */
export function parseCidrList(list: string): string[] {
  const entries = list
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
    if (max < 0) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    if (prefix !== undefined && !(/^\d+$/.test(prefix) && Number(prefix) <= max)) {
      throw new Error(`"${entry}" has a bad prefix length`);
    }
  }
  return entries;
}

function allowList(entries: string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv4(address) ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A refused call's answer, when the aggregator has its own error shape (Infobip's JSON). */
export type GuardRefusal = (
  status: number,
  reason: string,
) => { status: number; contentType: string; body: string };

/**
 * Express middleware enforcing `security` for one aggregator's routes (a no-op when nothing is set).
 * Refused calls get 403 `Forbidden`, as text unless `refusal` shapes it.
 */
export function webhookGuard(
  name: string,
  security: WebhookSecurity,
  logger: Logger,
  refusal?: GuardRefusal,
): RequestHandler {
  const allowed = security.allowIps?.length ? allowList(security.allowIps) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const refuse = (reason: string) => {
      logger.warn({ aggregator: name, path: req.path, ip: req.ip, reason }, "webhook call refused");
      const answer = refusal?.(403, "Forbidden") ?? {
        status: 403,
        contentType: "text/plain",
        body: "Forbidden",
      };
      res.status(answer.status).type(answer.contentType).send(answer.body);
    };
    if (allowed) {
      const ip = (req.ip ?? "").replace(/^::ffff:/, "");
      const type = isIPv4(ip) ? "ipv4" : "ipv6";
      if (!ip || !allowed.check(ip, type)) return refuse("address not allowed");
    }
    if (security.secret) {
      const header = req.get("x-webhook-secret");
      const query = typeof req.query.key === "string" ? req.query.key : undefined;
      const given = header ?? query;
      if (!given || !sameSecret(given, security.secret)) return refuse("missing or wrong secret");
    }
    if (security.basicAuth) {
      const match = /^Basic (.+)$/i.exec(req.get("authorization") ?? "");
      const [user, ...rest] = Buffer.from(match?.[1] ?? "", "base64")
        .toString("utf8")
        .split(":");
      const { basicAuth } = security;
      if (
        !match ||
        !sameSecret(user ?? "", basicAuth.user) ||
        !sameSecret(rest.join(":"), basicAuth.password)
      ) {
        res.set("WWW-Authenticate", 'Basic realm="webhook"');
        return refuse("missing or wrong basic auth");
      }
    }
    next();
  };
}

/** `USSD_<NAME>_SECRET|ALLOW_IPS|BASIC_AUTH` for one aggregator name. */
export function securityVariables(name: string) {
  const at = `USSD_${name.toUpperCase()}_`;
  return { secret: `${at}SECRET`, allowIps: `${at}ALLOW_IPS`, basicAuth: `${at}BASIC_AUTH` };
}

const SECURITY_VARIABLE = /^USSD_(.+)_(SECRET|ALLOW_IPS|BASIC_AUTH)$/;

/**
 * Each name's webhook security from `env`, and one problem line per bad variable, naming it. A security
 * variable for a name not in `names` is a problem too: a misspelt `USSD_AFRICAS_TALKING_SECRET` would
 * otherwise leave the real webhook open without a word.
 */
export function webhookSecurityFromEnv<Name extends string>(
  names: readonly Name[],
  env: Record<string, string | undefined>,
): { security: Record<Name, WebhookSecurity>; problems: string[] } {
  const problems: string[] = [];
  const known = new Set(names.map((name) => name.toUpperCase()));
  for (const variable of Object.keys(env)) {
    const name = SECURITY_VARIABLE.exec(variable)?.[1];
    if (name !== undefined && !known.has(name)) {
      problems.push(`${variable}: no aggregator is named ${name} (known: ${[...known].join(", ")})`);
    }
  }
  const security = {} as Record<Name, WebhookSecurity>;
  for (const name of names) {
    const variables = securityVariables(name);
    const guard: WebhookSecurity = {};
    const secret = env[variables.secret];
    if (secret) {
      if (secret.length < 16)
        problems.push(`${variables.secret}: must be at least 16 characters (unguessable)`);
      guard.secret = secret;
    }
    const ips = env[variables.allowIps];
    if (ips) {
      try {
        guard.allowIps = parseCidrList(ips);
      } catch (error) {
        problems.push(`${variables.allowIps}: ${(error as Error).message}`);
      }
    }
    const basic = env[variables.basicAuth];
    if (basic) {
      const [user = "", ...rest] = basic.split(":");
      if (!user || rest.length === 0) problems.push(`${variables.basicAuth}: must be user:password`);
      else guard.basicAuth = { user, password: rest.join(":") };
    }
    security[name] = guard;
  }
  return { security, problems };
}
