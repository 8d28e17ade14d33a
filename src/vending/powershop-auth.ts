// Bearer tokens for Powershop.ng ("How to Generate Access Token" in ../shared/vendor-docs/powershop-ng-api.txt):
// POST {username, secret}, answered with a top-level `{access_token, token_type, expires_in}` (seconds).
// Powershop has no refresh token, so every renewal is a new token request; renewal timing, single flight
// and the 401 rules are the shared TokenCache's. Tokens and secrets are never logged.

import type { Logger } from "../log.js";
import { failure, type VendorFailureCause } from "./messages.js";
import { envelopeSchema, tokenAnswerSchema } from "./powershop-wire.js";
import { type CachedToken, TokenCache, tokenTimes } from "./token-cache.js";
import { VendorError } from "./vendor.js";
import { sendVendorRequest } from "./vendor-http.js";

export interface PowershopCredentials {
  username: string;
  secret: string;
}

export interface PowershopAuthOptions {
  /** Vendor base URL without `/v1`. */
  baseUrl: string;
  credentials: PowershopCredentials;
  /** Deadline of each token request. */
  timeoutMs: number;
  logger: Logger;
  /** Renew this long before the token expires (default 60 s, at most a fifth of the token's lifetime). */
  refreshMarginMs?: number;
}

/** A TokenCache that obtains Powershop tokens. */
export function powershopTokens(options: PowershopAuthOptions): TokenCache {
  const log = options.logger.child({ component: "powershop-auth" });
  return new TokenCache(() => requestToken(options, log), log);
}

async function requestToken(options: PowershopAuthOptions, log: Logger): Promise<CachedToken> {
  const startedAt = Date.now();
  const result = await sendVendorRequest({
    method: "POST",
    url: `${options.baseUrl}/v1/merchant/auth/token/request`,
    body: { username: options.credentials.username, secret: options.credentials.secret },
    timeoutMs: options.timeoutMs,
  });
  const ms = Date.now() - startedAt;
  const fail = (cause: VendorFailureCause, detail: string): never => {
    log.warn({ ms, cause, detail }, "vendor token request failed");
    throw new VendorError("unavailable", failure(cause), `vendor token request: ${detail}`);
  };
  if (result.kind === "no-answer") return fail(result.cause, result.detail);
  const { status, body } = result;
  if (status === 408) return fail("timeout", "HTTP 408");
  if (status === 429) return fail("busy", "HTTP 429");
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) {
    return fail("server_error", `HTTP ${status}`);
  }
  // The document shows no refusal; a 4xx, or an envelope in place of a token, is our credentials refused:
  // an operator problem, and the customer only hears "unavailable".
  const refusal = envelopeSchema.safeParse(body);
  if (status >= 400) return fail("login_failed", `refused (HTTP ${status})`);
  const answer = tokenAnswerSchema.safeParse(body);
  if (!answer.success) {
    if (refusal.success) return fail("login_failed", `refused (code ${refusal.data.code})`);
    return fail("bad_response", "unexpected token answer");
  }
  log.info({ ms, expiresIn: answer.data.expires_in }, "vendor token obtained");
  return {
    token: answer.data.access_token,
    ...tokenTimes(startedAt, answer.data.expires_in, options.refreshMarginMs),
  };
}
