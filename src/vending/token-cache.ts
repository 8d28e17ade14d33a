// The part of every vendor's bearer-token handling that does not depend on the vendor's token exchange:
// obtain a token lazily, renew it shortly before it expires, keep at most ONE renewal in flight however many
// callers need a token (a burst of USSD sessions must not become a burst of token requests), fall back on a
// token that has not expired yet when an early renewal fails, and start afresh after a 401. How a token is
// obtained (login, refresh, one token request) is the vendor adapter's `obtain`. Tokens are never logged.

import type { Logger } from "../log.js";
import { failure } from "./messages.js";
import { VendorError } from "./vendor.js";
import { sendVendorRequest, type VendorHttpRequest, type VendorHttpResult } from "./vendor-http.js";

/** What a cache holds; vendor adapters may extend it (e.g. with a refresh token). */
export interface CachedToken {
  token: string;
  /** When to renew (epoch ms): expiry minus a margin. */
  renewAt: number;
  /** When the vendor stops accepting the token (epoch ms). */
  expiresAt: number;
}

/** What an authorised call came to: the vendor's answer, or why no token could be sent with it. */
export type AuthorisedResult =
  | VendorHttpResult
  /** No token to send (the token request failed), before sending or after a 401: nothing was processed. */
  | { kind: "no-session"; error: VendorError };

const DEFAULT_MARGIN_MS = 60_000;

/**
 * Renewal times of a token that lives `lifetimeSeconds` from `requestedAt` (when we asked, not when the
 * answer arrived: errs towards renewing early). The margin is at most a fifth of the lifetime.
 */
export function tokenTimes(
  requestedAt: number,
  lifetimeSeconds: number,
  marginMs = DEFAULT_MARGIN_MS,
): Pick<CachedToken, "renewAt" | "expiresAt"> {
  const lifetimeMs = lifetimeSeconds * 1000;
  return {
    renewAt: requestedAt + lifetimeMs - Math.min(marginMs, lifetimeMs / 5),
    expiresAt: requestedAt + lifetimeMs,
  };
}

export class TokenCache<T extends CachedToken = CachedToken> {
  private current?: T;
  private renewal?: Promise<T>;

  /**
   * @param obtain gets a new token, given the one held (a vendor with refresh tokens refreshes it); throws
   *   VendorError `unavailable` when it cannot.
   */
  constructor(
    private readonly obtain: (held: T | undefined) => Promise<T>,
    private readonly log: Logger,
  ) {}

  /** A usable token; obtains one first when needed. Throws VendorError `unavailable`. */
  async accessToken(): Promise<string> {
    const held = this.current;
    if (held && Date.now() < held.renewAt) return held.token;
    try {
      return (await this.renew()).token;
    } catch (error) {
      // Renewal starts early (margin), so a failed renewal can still fall back on a token that has not expired.
      if (held && this.current === held && Date.now() < held.expiresAt - 1000) return held.token;
      throw error;
    }
  }

  /** The vendor answered 401 to `rejected`: forget it (it may have been revoked), so the next caller renews. */
  forget(rejected: string): void {
    if (this.current?.token === rejected) this.current = undefined;
  }

  /** Forgets `rejected` and returns a fresh token; concurrent callers rejected alike share one renewal. */
  async tokenAfterUnauthorized(rejected: string): Promise<string> {
    this.forget(rejected);
    return this.accessToken();
  }

  /**
   * Sends `request` with a Bearer token. After a 401 the token is forgotten and, when `resendAfter401`, the
   * request is sent once more with a fresh one (the gateway refused the first before any processing). A call
   * that must never be sent twice (a buy) passes false and gets the 401 back. Never throws.
   */
  async send(
    request: Omit<VendorHttpRequest, "bearer">,
    options: { resendAfter401: boolean },
  ): Promise<AuthorisedResult> {
    let token: string;
    try {
      token = await this.accessToken();
    } catch (error) {
      return { kind: "no-session", error: asVendorError(error) };
    }
    const result = await sendVendorRequest({ ...request, bearer: token });
    if (result.kind !== "answered" || result.status !== 401) return result;
    if (!options.resendAfter401) {
      this.log.info(
        { url: request.url },
        "vendor answered 401; not sent again, the next call renews the token",
      );
      this.forget(token);
      return result;
    }
    this.log.info({ url: request.url }, "vendor answered 401; renewing the token and sending once more");
    try {
      token = await this.tokenAfterUnauthorized(token);
    } catch (error) {
      return { kind: "no-session", error: asVendorError(error) };
    }
    return sendVendorRequest({ ...request, bearer: token });
  }

  private renew(): Promise<T> {
    if (!this.renewal) {
      this.renewal = this.obtain(this.current)
        .then((token) => {
          this.current = token;
          return token;
        })
        .finally(() => {
          this.renewal = undefined;
        });
    }
    return this.renewal;
  }
}

function asVendorError(error: unknown): VendorError {
  if (error instanceof VendorError) return error;
  return new VendorError("unavailable", failure("network"), (error as Error)?.message ?? String(error));
}
