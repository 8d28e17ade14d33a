/*
 * Built-in sandbox of ScratchPower's deprecated "Current API", in the shapes of
 * ../shared/vendor-docs/scratchpower-current-api-topup.txt: electricity only, `/api/topup/validate|confirm|retry`
 * keyed by `meter_number`.
 *
 * As documented:
 *   validate / confirm take the document's fields with their types (`amount` a number, `debited_account_id`
 *   an integer, `date` "2024-06-18 04:10:59", `source_tag`, the four notification flags); validate answers
 *   the success body (id, channel, status ON_GOING, money strings "BWP 100.00", meter_number, meter_details —
 *   the name, a string — metadata {}), confirm the sale (the same plus reference, top-level `token`,
 *   `electricity_units` "191.7kWh" and metadata with provider_transaction_identifier). Success bodies carry no
 *   `response_code`. Every business error is HTTP 200 with { response_code, response_message, timestamp,
 *   developer_message, errors }: "810" for a validation failure as in the document (blocked meter: the
 *   document's own message), other opaque codes of the sandbox's for confirm and retry failures.
 *   retry { date, external_reference, language, meter_number, source_channel, source_tag } answers the
 *   original sale, or an error body when the purchase genuinely failed (or is unknown).
 * Not shown by the document (it points to "the original integration PDF"), kept to the v1 sandbox's:
 *   POST /auth/login, /auth/refresh (the v1 answer), GET /auth/me → { accounts: [{ id, balance }] } (the
 *   field table names `accounts[].id`); a bad or missing Bearer token answers HTTP 401 with the error body.
 *
 * Test meters (the v1 sandbox's electricity meters; see scratchpower-current-catalogue.ts), plus
 *   04040404055: confirm answers a success body without a token; the sale did not happen; retry says so.
 */

import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { formatCents } from "../../../machines/purchase/money.js";
import { listenOnLoopback } from "./loopback-server.js";
import {
  asksToNotify,
  CURRENT_SANDBOX_CURRENCY,
  checkTopup,
  type Refusal,
  retryPayloadSchema,
  saleBody,
  validatedBody,
} from "./scratchpower-current-catalogue.js";
import {
  SANDBOX_ACCOUNT_ID,
  SANDBOX_CREDENTIALS,
  type SandboxHandle,
  type ScratchPowerSandboxOptions,
} from "./scratchpower-v1.js";

/** The same login values as the v1 sandbox, so the sandbox defaults serve either API. */
export const CURRENT_SANDBOX_CREDENTIALS = SANDBOX_CREDENTIALS;
export const CURRENT_SANDBOX_ACCOUNT_ID = SANDBOX_ACCOUNT_ID;
const OPENING_BALANCE_CENTS = 100_000_000;

export type ScratchPowerCurrentSandboxOptions = ScratchPowerSandboxOptions;

export interface CurrentSandboxStats {
  /** Login requests, successful or not. */
  logins: number;
  failedLogins: number;
  refreshes: number;
  /** Calls the gateway answered 401 (missing, unknown or expired access token). */
  unauthorized: number;
  meLookups: number;
  validates: number;
  /** Confirm requests per external_reference, duplicates included. */
  confirms: Map<string, number>;
  /** `source_channel` of each confirm, per external_reference. */
  confirmChannels: Map<string, string>;
  duplicateConfirms: number;
  retries: number;
  /**
   * validate/confirm requests that asked the vendor to notify anyone (a flag true or left out). Retry has no
   * notification flags in the document, so it is not counted.
   */
  notifyingRequests: number;
}

/** The v1 sandbox handle with this API's counters. */
export interface CurrentSandboxHandle extends Omit<SandboxHandle, "stats"> {
  stats: CurrentSandboxStats;
  /** Makes every issued refresh token unknown: the next refresh is refused (an HTTP-200 error body). */
  revokeRefreshTokens(): void;
}

interface StoredTopup {
  meterNumber: string;
  outcome: { sold: ReturnType<typeof saleBody> } | { failure: Refusal };
}

function emptyStats(): CurrentSandboxStats {
  return {
    logins: 0,
    failedLogins: 0,
    refreshes: 0,
    unauthorized: 0,
    meLookups: 0,
    validates: 0,
    confirms: new Map(),
    confirmChannels: new Map(),
    duplicateConfirms: 0,
    retries: 0,
    notifyingRequests: 0,
  };
}

/** Business errors go out as HTTP 200; `status` is only for the gateway's own refusals. */
function sendError(res: Response, refusal: Refusal, status = 200): void {
  if (res.headersSent || res.destroyed) return;
  res.status(status).json({
    response_code: refusal.code,
    response_message: refusal.message,
    timestamp: Date.now(),
    developer_message: "com.tocchae.scratchPower.exception.TopupIntegrationServiceException",
    errors: {},
  });
}

const loginSchema = z.object({
  client_id: z.string(),
  client_secret: z.string(),
  grant_type: z.literal("password"),
  identifier: z.string(),
  secret_pass: z.string(),
  org_code: z.string(),
  source_channel: z.string(),
});

const refreshSchema = z.object({ refresh_token: z.string().min(1) });

export async function startScratchPowerCurrentSandbox(
  options: ScratchPowerCurrentSandboxOptions = {},
): Promise<CurrentSandboxHandle> {
  const accessTtlMs = (options.accessTtlSeconds ?? 3600) * 1000;
  const refreshTtlMs = (options.refreshTtlSeconds ?? 86_400) * 1000;
  const confirmHangMs = options.confirmHangMs ?? 60_000;
  let latencyMs = options.latencyMs ?? 0;
  const stats = emptyStats();
  let balanceCents = OPENING_BALANCE_CENTS;
  const accessTokens = new Map<string, number>(); // token → expiry (epoch ms)
  const refreshTokens = new Map<string, number>();
  const topups = new Map<string, StoredTopup>(); // by external_reference

  // Timers for latency and hangs are tracked so close() can drop them and the process can exit.
  const timers = new Set<NodeJS.Timeout>();
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function issueSession(res: Response): void {
    const access = randomBytes(24).toString("base64url");
    const refresh = randomBytes(24).toString("base64url");
    const now = Date.now();
    accessTokens.set(access, now + accessTtlMs);
    refreshTokens.set(refresh, now + refreshTtlMs);
    res.json({
      access_token: access,
      access_in: accessTtlMs / 1000,
      token_type: "bearer",
      refresh_token: refresh,
      scope: "read write",
    });
  }

  const app = express();
  app.disable("x-powered-by");
  app.use(async (_req: Request, _res: Response, next: NextFunction) => {
    await wait(latencyMs);
    next();
  });
  app.use(express.json({ limit: "16kb" }));

  app.post("/auth/login", (req, res) => {
    stats.logins += 1;
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success) {
      stats.failedLogins += 1;
      return sendError(res, { code: "400", message: "Missing or invalid login fields." });
    }
    const body = parsed.data;
    const valid =
      body.client_id === SANDBOX_CREDENTIALS.client_id &&
      body.client_secret === SANDBOX_CREDENTIALS.client_secret &&
      body.identifier === SANDBOX_CREDENTIALS.username &&
      body.secret_pass === SANDBOX_CREDENTIALS.password &&
      body.org_code === SANDBOX_CREDENTIALS.org_code;
    if (!valid) {
      stats.failedLogins += 1;
      return sendError(res, { code: "401", message: "Invalid credentials." });
    }
    issueSession(res);
  });

  app.post("/auth/refresh", (req, res) => {
    stats.refreshes += 1;
    const parsed = refreshSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, { code: "400", message: "Missing refresh_token." });
    const expiry = refreshTokens.get(parsed.data.refresh_token);
    refreshTokens.delete(parsed.data.refresh_token); // rotation: a refresh token works once
    if (expiry === undefined || expiry <= Date.now()) {
      return sendError(res, { code: "401", message: "Refresh token expired." });
    }
    issueSession(res);
  });

  // The gateway's bearer check: the one place (with unknown routes) that answers other than 200.
  const requireBearer = (req: Request, res: Response, next: NextFunction) => {
    const header = req.get("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    const expiry = accessTokens.get(token);
    if (expiry === undefined || expiry <= Date.now()) {
      stats.unauthorized += 1;
      return sendError(res, { code: "401", message: "Access token is invalid or expired." }, 401);
    }
    next();
  };
  app.use("/api", requireBearer);

  app.get("/auth/me", requireBearer, (_req, res) => {
    stats.meLookups += 1;
    res.json({
      accounts: [
        { id: SANDBOX_ACCOUNT_ID, balance: `${CURRENT_SANDBOX_CURRENCY} ${formatCents(balanceCents)}` },
      ],
    });
  });

  app.post(["/api/topup/validate", "/api/topup/confirm"], (req, _res, next) => {
    if (asksToNotify(req.body)) stats.notifyingRequests += 1;
    next();
  });

  app.post("/api/topup/validate", (req, res) => {
    stats.validates += 1;
    const check = checkTopup(req.body, SANDBOX_ACCOUNT_ID);
    if (!check.ok) return sendError(res, check.refusal);
    res.json(validatedBody(check.topup));
  });

  app.post("/api/topup/confirm", async (req, res) => {
    const reference: unknown = req.body?.external_reference;
    if (typeof reference === "string") {
      stats.confirms.set(reference, (stats.confirms.get(reference) ?? 0) + 1);
      stats.confirmChannels.set(reference, String(req.body?.source_channel));
      // Not idempotent, as documented: a second confirm is a second purchase.
      if (topups.has(reference)) stats.duplicateConfirms += 1;
    }
    const check = checkTopup(req.body, SANDBOX_ACCOUNT_ID);
    if (!check.ok) {
      // A well-formed but refused confirm still consumes its reference, as a real ledger would.
      if (check.refusal.code !== "400" && typeof reference === "string") {
        topups.set(reference, {
          meterNumber: String(req.body.meter_number),
          outcome: { failure: check.refusal },
        });
      }
      return sendError(res, check.refusal);
    }
    const { topup } = check;
    const meterNumber = topup.payload.meter_number;
    const external = topup.payload.external_reference;
    const fail = (failure: Refusal) => topups.set(external, { meterNumber, outcome: { failure } });

    const behaviour = topup.meter.confirm;
    if (behaviour === "insufficient-funds" || topup.totalCents > balanceCents) {
      const refusal = { code: "851", message: "Insufficient funds to complete this purchase." };
      fail(refusal);
      return sendError(res, refusal);
    }
    if (behaviour === "hang-then-fail") {
      fail({ code: "805", message: "BPC could not complete the purchase. You have not been charged." });
      await wait(confirmHangMs);
      return sendError(res, { code: "891", message: "The utility did not answer in time." }, 504);
    }
    if (behaviour === "succeed-without-token") {
      // The utility issued no token and the vendor reversed the debit, yet answers a success body: the trap
      // the client must not fall into.
      fail({ code: "805", message: "BPC issued no token for this purchase. You have not been charged." });
      return res.json(saleBody(topup, false));
    }
    balanceCents -= topup.totalCents;
    const sold = saleBody(topup);
    topups.set(external, { meterNumber, outcome: { sold } });
    if (behaviour === "hang-then-succeed") await wait(confirmHangMs);
    if (!res.destroyed) res.json(sold);
  });

  app.post("/api/topup/retry", (req, res) => {
    stats.retries += 1;
    const parsed = retryPayloadSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, { code: "400", message: "Invalid retry request." });
    const stored = topups.get(parsed.data.external_reference);
    if (!stored || stored.meterNumber !== parsed.data.meter_number) {
      return sendError(res, { code: "825", message: "No such transaction." });
    }
    if ("failure" in stored.outcome) return sendError(res, stored.outcome.failure);
    res.json(stored.outcome.sold);
  });

  app.use((_req: Request, res: Response) => {
    sendError(res, { code: "404", message: "No such route." }, 404);
  });

  // Express error handler (four arguments): malformed JSON is an invalid request; anything else a system error.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413) {
      return sendError(res, { code: "400", message: "The request body is not valid JSON." });
    }
    sendError(res, { code: "500", message: "System error." });
  });

  const server = await listenOnLoopback(app, options.port, () => {
    for (const timer of timers) clearTimeout(timer);
    timers.clear();
  });

  return {
    url: server.url,
    stats,
    resetStats() {
      Object.assign(stats, emptyStats());
    },
    setLatencyMs(ms: number) {
      latencyMs = ms;
    },
    revokeAccessTokens() {
      accessTokens.clear();
    },
    revokeRefreshTokens() {
      refreshTokens.clear();
    },
    close: () => server.close(),
  };
}
