// Bearer tokens for Powershop.ng, with the same behaviour as ScratchPower's token manager (auth.ts): request
// a token lazily, renew shortly before `expires_in` elapses, request afresh after a 401, and keep at most ONE
// token request in flight however many callers need a token. Powershop has no refresh token, so every
// renewal is a new token request. Tokens and secrets are never logged.

import type { Logger } from "../log.js";
import { customerMessage, type VendorFailureCause } from "./messages.js";
import { authDataSchema, envelopeSchema, PowershopCode } from "./powershop-wire.js";
import { VendorError } from "./vendor.js";
import { sendVendorRequest } from "./vendor-http.js";

export interface PowershopCredentials {
  username: string;
  secret: string;
}

export interface PowershopTokenManagerOptions {
  /** Vendor base URL without `/v1`. */
  baseUrl: string;
  credentials: PowershopCredentials;
  /** Deadline of each token request. */
  timeoutMs: number;
  logger: Logger;
  /** Renew this long before the token expires (default 60 s, at most a fifth of the token's lifetime). */
  refreshMarginMs?: number;
}

interface Session {
  token: string;
  /** When to renew (expiry minus margin). */
  renewAt: number;
  expiresAt: number;
}

export class PowershopTokenManager {
  private session?: Session;
  private renewal?: Promise<Session>;
  private readonly log: Logger;

  constructor(private readonly options: PowershopTokenManagerOptions) {
    this.log = options.logger.child({ component: "powershop-auth" });
  }

  /** A usable token; requests one first when needed. Throws VendorError `unavailable`. */
  async accessToken(): Promise<string> {
    const current = this.session;
    if (current && Date.now() < current.renewAt) return current.token;
    try {
      return (await this.renew()).token;
    } catch (error) {
      // Renewal starts early (margin), so a failed renewal can still fall back on a token that has not expired.
      if (current && this.session === current && Date.now() < current.expiresAt - 1000) return current.token;
      throw error;
    }
  }

  /**
   * The vendor answered 401 to `rejectedToken`: forget it and return a fresh one. Concurrent callers rejected
   * with the same token share one token request.
   */
  async tokenAfterUnauthorized(rejectedToken: string): Promise<string> {
    if (this.session?.token === rejectedToken) this.session = undefined;
    return this.accessToken();
  }

  private renew(): Promise<Session> {
    if (!this.renewal) {
      this.renewal = this.requestToken()
        .then((session) => {
          this.session = session;
          return session;
        })
        .finally(() => {
          this.renewal = undefined;
        });
    }
    return this.renewal;
  }

  private async requestToken(): Promise<Session> {
    const startedAt = Date.now();
    const result = await sendVendorRequest({
      method: "POST",
      url: `${this.options.baseUrl}/v1/merchant/auth/token/request`,
      body: { username: this.options.credentials.username, secret: this.options.credentials.secret },
      timeoutMs: this.options.timeoutMs,
    });
    const ms = Date.now() - startedAt;
    const fail = (cause: VendorFailureCause, detail: string): never => {
      this.log.warn({ ms, cause, detail }, "vendor token request failed");
      throw new VendorError("unavailable", customerMessage(cause), `vendor token request: ${detail}`);
    };
    if (result.kind === "no-answer") return fail(result.cause, result.detail);
    if (result.status === 408) return fail("timeout", "HTTP 408");
    if (result.status === 429) return fail("busy", "HTTP 429");
    if (result.status >= 500 || result.status < 200 || (result.status >= 300 && result.status < 400)) {
      return fail("server_error", `HTTP ${result.status}`);
    }
    const envelope = envelopeSchema.safeParse(result.body);
    if (result.status >= 400 || (envelope.success && envelope.data.code !== PowershopCode.OK)) {
      // Our credentials were refused: an operator problem; the customer only hears "unavailable".
      const code = envelope.success ? envelope.data.code : undefined;
      return fail("login_failed", `refused (HTTP ${result.status}, code ${code ?? "none"})`);
    }
    const data = envelope.success ? authDataSchema.safeParse(envelope.data.data) : undefined;
    if (!data?.success) return fail("bad_response", "unexpected token body");
    this.log.info({ ms, expiresIn: data.data.expires_in }, "vendor token obtained");
    // The lifetime counts from when we asked, not when the answer arrived: errs towards renewing early.
    const lifetimeMs = data.data.expires_in * 1000;
    const marginMs = Math.min(this.options.refreshMarginMs ?? 60_000, lifetimeMs / 5);
    return {
      token: data.data.token,
      renewAt: startedAt + lifetimeMs - marginMs,
      expiresAt: startedAt + lifetimeMs,
    };
  }
}
