// Access tokens for the ScratchPower APIs (v1 and the deprecated Current API share the login exchange of
// ../shared/vendor-docs/scratchpower-getting-started.txt): `POST …/auth/login` answers `{access_token,
// access_in, token_type, refresh_token, scope}`; refresh "before access_in seconds elapse". Renewal timing,
// single flight and the 401 rules are the shared TokenCache's; this file only obtains a session: refresh
// when a refresh token is held, and log in afresh whenever a refresh fails in any way. Tokens and passwords
// are never logged.

import { z } from "zod";
import type { Logger } from "../log.js";
import { failure, type VendorFailureCause } from "./messages.js";
import { type CachedToken, TokenCache, tokenTimes } from "./token-cache.js";
import { VendorError } from "./vendor.js";
import { sendVendorRequest } from "./vendor-http.js";

export interface ScratchPowerCredentials {
  clientId: string;
  clientSecret: string;
  /** Sent as `identifier`. */
  username: string;
  /** Sent as `secret_pass`. */
  password: string;
  orgCode: string;
}

export interface ScratchPowerAuthOptions {
  /** Vendor base URL without `/v1`. */
  baseUrl: string;
  /** Put between the base URL and `/auth/login|refresh` (default `/v1`; the Current API uses ""). */
  pathPrefix?: string;
  /**
   * The vendor may answer a refused login/refresh with HTTP 200 and an error body with a `response_code`
   * (the Current API answers its errors so); such a body is then read as a refusal like a 4xx (default false).
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

/** The login (and refresh) answer of the getting-started page. */
const sessionAnswerSchema = z.object({
  access_token: z.string().min(1),
  access_in: z.number().positive(),
  refresh_token: z.string().min(1).optional(),
});

/** The error body of a refusal answered with HTTP 200 (see `refusalsInHttp200`). */
const refusalBodySchema = z.object({ response_code: z.union([z.string(), z.number()]) });

interface ScratchPowerSession extends CachedToken {
  refreshToken?: string;
}

/** A TokenCache that obtains ScratchPower sessions. */
export function scratchPowerTokens(options: ScratchPowerAuthOptions): TokenCache<ScratchPowerSession> {
  const log = options.logger.child({ component: "scratchpower-auth" });
  return new TokenCache<ScratchPowerSession>((held) => obtainSession(options, log, held), log);
}

async function obtainSession(
  options: ScratchPowerAuthOptions,
  log: Logger,
  held: ScratchPowerSession | undefined,
): Promise<ScratchPowerSession> {
  if (held?.refreshToken) {
    // Any failed refresh (refused, 5xx, timeout, unreadable) falls back to a fresh login.
    const refreshed = await request(options, log, "refresh", { refresh_token: held.refreshToken }).catch(
      () => undefined,
    );
    if (refreshed) return refreshed;
  }
  const { credentials } = options;
  const session = await request(options, log, "login", {
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    grant_type: "password",
    identifier: credentials.username,
    secret_pass: credentials.password,
    org_code: credentials.orgCode,
    source_channel: options.sourceChannel ?? "USSD",
  });
  if (!session) {
    throw new VendorError("unavailable", failure("login_failed"), "vendor refused our login");
  }
  return session;
}

/** The new session, undefined when the vendor refused, or throws when it did not answer usefully. */
async function request(
  options: ScratchPowerAuthOptions,
  log: Logger,
  kind: "login" | "refresh",
  body: Record<string, unknown>,
): Promise<ScratchPowerSession | undefined> {
  const startedAt = Date.now();
  const result = await sendVendorRequest({
    method: "POST",
    url: `${options.baseUrl}${options.pathPrefix ?? "/v1"}/auth/${kind}`,
    body,
    timeoutMs: options.timeoutMs,
  });
  const ms = Date.now() - startedAt;
  const fail = (cause: VendorFailureCause, detail: string): never => {
    log.warn({ kind, ms, cause, detail }, "vendor auth failed");
    throw new VendorError("unavailable", failure(cause), `vendor ${kind}: ${detail}`);
  };
  if (result.kind === "no-answer") return fail(result.cause, result.detail);
  if (result.status === 408) return fail("timeout", "HTTP 408");
  if (result.status === 429) return fail("busy", "HTTP 429");
  if (result.status >= 400 && result.status < 500) {
    log.warn({ kind, ms, status: result.status }, "vendor refused auth");
    return undefined;
  }
  if (result.status >= 300) return fail("server_error", `HTTP ${result.status}`);
  const parsed = sessionAnswerSchema.safeParse(result.body);
  if (!parsed.success) {
    // No session in a 200: with `refusalsInHttp200` an error body is the vendor saying no, as a 4xx would.
    const refusal = options.refusalsInHttp200 ? refusalBodySchema.safeParse(result.body) : undefined;
    if (refusal?.success) {
      log.warn({ kind, ms, code: refusal.data.response_code }, "vendor refused auth");
      return undefined;
    }
    return fail("bad_response", `unexpected ${kind} body`);
  }
  log.info({ kind, ms, accessIn: parsed.data.access_in }, "vendor session obtained");
  return {
    token: parsed.data.access_token,
    ...tokenTimes(startedAt, parsed.data.access_in, options.refreshMarginMs),
    ...(parsed.data.refresh_token ? { refreshToken: parsed.data.refresh_token } : {}),
  };
}
