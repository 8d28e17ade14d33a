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

/** Express middleware enforcing `security` for one aggregator's routes (a no-op when nothing is set). */
export function webhookGuard(name: string, security: WebhookSecurity, logger: Logger): RequestHandler {
  const allowed = security.allowIps?.length ? allowList(security.allowIps) : undefined;
  return (req: Request, res: Response, next: NextFunction) => {
    const refuse = (reason: string) => {
      logger.warn({ aggregator: name, path: req.path, ip: req.ip, reason }, "webhook call refused");
      res.status(403).type("text/plain").send("Forbidden");
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
