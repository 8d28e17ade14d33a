/*
 * Built-in sandbox of ScratchPower's deprecated "Current API" (SPEC section 2: electricity only, frozen).
 * The vendor publishes nothing beyond SPEC's summary; the shapes below are this project's design, and
 * src/vending/scratchpower-current.ts parses exactly these.
 *
 * Every answer of the application is HTTP 200, errors included. Success bodies carry response_code "00";
 * every other answer is
 *   { response_code: "15", response_message: "Meter 04040404011 is blocked. Contact BPC.", timestamp: ISO,
 *     developer_message: "meter_status=BLOCKED" | null, errors: [{ field, message }] }
 * Only the gateway in front of it uses other statuses, with the same body: 401 for a missing, unknown or
 * expired Bearer token, 404 for an unknown route.
 *
 * response_code: 00 success; 05 transaction failed (not charged); 09 in progress; 12 invalid request
 * (errors[] names the fields); 14 meter not found; 15 meter blocked; 25 transaction not found; 26 duplicate
 * external_reference; 40 invalid credentials; 41 invalid refresh token; 51 insufficient funds; 61 amount out
 * of range; 91 utility did not answer in time; 96 system error.
 *
 * POST /auth/login   { client_id, client_secret, grant_type: "password", identifier, secret_pass, org_code,
 *                      source_channel }
 *   200 { response_code: "00", response_message, access_token, token_type: "Bearer", access_in: seconds,
 *         refresh_token, refresh_in: seconds } | 200 error 12 / 40
 * POST /auth/refresh { refresh_token }   same answer (the refresh token rotates) | 200 error 41
 * GET  /auth/me      200 { response_code: "00", user_id, username, full_name, role, org_code, organisation_name,
 *                      accounts: [{ account_id, account_name, account_type, currency, balance: "1000000.00",
 *                      status }] }   (the Current API has no /accounts: this is where the debit account is)
 * POST /api/topup/validate and /api/topup/confirm, payload:
 *   { source_channel: "USSD"|"SMS_MO"|"WEB"|"POS"|"API", language: "en-BW", meter_number: "04040404040",
 *     amount: "100.00" (a JSON number is accepted too), currency: "BWP", debited_account_id,
 *     beneficiary_phone_number: "26771436390", charges_on_top_flag: boolean, comment?: string,
 *     external_reference, send_sms_notification?, send_email_notification?, notify_beneficiary? }
 *   The three notification flags are booleans whose default, when left out, is true: the vendor would text
 *   or mail the token itself. Our client sends all false (we send our own SMS); stats count requests that
 *   asked for any notification.
 *   validate 200 { response_code: "00", response_message, timestamp, external_reference, meter_number,
 *     meter_details: { customer_name, address, tariff, utility: "BPC", meter_type: "STS" },
 *     amount, charge, net, total, currency }   (decimal strings; on top: total = amount + charge)
 *   confirm 200 the same plus { transaction_reference, receipt_number, token, electricity_units: "8.1" (kWh) }
 *     where `token` is one bare token or `Description: Token` pairs joined by `|`, in the order to enter them.
 *   Errors: 12, 14, 15, 61 (validate and confirm); 51, 26 (confirm). A confirm that passed the payload checks
 *   consumes its external_reference, sold or not; reusing it answers 26.
 * POST /api/topup/retry { source_channel, language, meter_number, external_reference, notification flags }
 *   200 the confirm's success body with the original token | the failure's own error (05, 51, …) |
 *   25 for an unknown reference (or one confirmed for another meter) | 12 malformed.
 *
 * Test meters (same numbers as the v1 sandbox; see scratchpower-current-catalogue.ts):
 *   04040404040 John Smith, one token, BWP 3.00 on top   04040404198 Simon Sais, three tokens in order
 *   04040404011 blocked (15)   04040404044 confirm: insufficient funds (51)
 *   04040404022 confirm hangs `confirmHangMs` but sold; retry returns the token
 *   04040404033 confirm hangs and failed (then answers 91); retry answers 05
 *   04040404055 confirm answers "00" with token null; the sale did not happen; retry answers 05
 */

import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { formatCents } from "../cents.js";
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
  /** Confirm requests per external_reference, including refused duplicates. */
  confirms: Map<string, number>;
  /** `source_channel` of each confirm, per external_reference. */
  confirmChannels: Map<string, string>;
  duplicateConfirms: number;
  retries: number;
  /** validate/confirm/retry requests that asked the vendor to notify anyone (a flag true or left out). */
  notifyingRequests: number;
}

/** The v1 sandbox handle with this API's counters. */
export interface CurrentSandboxHandle extends Omit<SandboxHandle, "stats"> {
  stats: CurrentSandboxStats;
  /** Makes every issued refresh token unknown: the next refresh is refused (HTTP 200, code 41). */
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
    timestamp: new Date().toISOString(),
    developer_message: refusal.developerMessage ?? null,
    errors: refusal.errors ?? [],
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
      response_code: "00",
      response_message: "Login successful.",
      access_token: access,
      token_type: "Bearer",
      access_in: accessTtlMs / 1000,
      refresh_token: refresh,
      refresh_in: refreshTtlMs / 1000,
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
      return sendError(res, { code: "12", message: "Missing or invalid login fields." });
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
      return sendError(res, { code: "40", message: "Invalid credentials." });
    }
    issueSession(res);
  });

  app.post("/auth/refresh", (req, res) => {
    stats.refreshes += 1;
    const parsed = refreshSchema.safeParse(req.body);
    if (!parsed.success) return sendError(res, { code: "12", message: "Missing refresh_token." });
    const expiry = refreshTokens.get(parsed.data.refresh_token);
    refreshTokens.delete(parsed.data.refresh_token); // rotation: a refresh token works once
    if (expiry === undefined || expiry <= Date.now()) {
      return sendError(res, { code: "41", message: "Refresh token expired." });
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
      response_code: "00",
      response_message: "OK",
      user_id: "USR-SANDBOX-1",
      username: SANDBOX_CREDENTIALS.username,
      full_name: "Sandbox Merchant",
      role: "MERCHANT_ADMIN",
      org_code: SANDBOX_CREDENTIALS.org_code,
      organisation_name: "Sandbox Vending Ltd",
      accounts: [
        {
          account_id: SANDBOX_ACCOUNT_ID,
          account_name: "Sandbox float",
          account_type: "FLOAT",
          currency: CURRENT_SANDBOX_CURRENCY,
          balance: formatCents(balanceCents),
          status: "ACTIVE",
        },
      ],
    });
  });

  app.post(["/api/topup/validate", "/api/topup/confirm", "/api/topup/retry"], (req, _res, next) => {
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
      if (topups.has(reference)) {
        stats.duplicateConfirms += 1;
        return sendError(res, { code: "26", message: "This purchase reference was already used." });
      }
    }
    const check = checkTopup(req.body, SANDBOX_ACCOUNT_ID);
    if (!check.ok) {
      // A well-formed but refused confirm still consumes its reference, as a real ledger would.
      if (check.refusal.code !== "12" && typeof reference === "string") {
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
      const refusal = { code: "51", message: "Insufficient funds to complete this purchase." };
      fail(refusal);
      return sendError(res, refusal);
    }
    if (behaviour === "hang-then-fail") {
      fail({ code: "05", message: "BPC could not complete the purchase. You have not been charged." });
      await wait(confirmHangMs);
      return sendError(res, { code: "91", message: "The utility did not answer in time." });
    }
    if (behaviour === "succeed-without-token") {
      // The utility issued no token and the vendor reversed the debit, yet answers "00": the trap the
      // client must not fall into.
      fail({ code: "05", message: "BPC issued no token for this purchase. You have not been charged." });
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
    if (!parsed.success) return sendError(res, { code: "12", message: "Invalid retry request." });
    const stored = topups.get(parsed.data.external_reference);
    if (!stored || stored.meterNumber !== parsed.data.meter_number) {
      return sendError(res, { code: "25", message: "No such transaction." });
    }
    if ("failure" in stored.outcome) return sendError(res, stored.outcome.failure);
    res.json({ ...stored.outcome.sold, timestamp: new Date().toISOString() });
  });

  app.use((_req: Request, res: Response) => {
    sendError(res, { code: "404", message: "No such route." }, 404);
  });

  // Express error handler (four arguments): malformed JSON is an invalid request; anything else a system error.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413) {
      return sendError(res, { code: "12", message: "The request body is not valid JSON." });
    }
    sendError(res, { code: "96", message: "System error." });
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
