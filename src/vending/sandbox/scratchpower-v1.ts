/*
 * Built-in ScratchPower v1 sandbox: serves v1 on loopback so the real client runs in every test and demo
 * (SPEC sections 2 and 7), in the shapes of the vendor's documents: ../shared/vendor-docs/
 * scratchpower-getting-started.txt and scratchpower-v1-purchases.txt.
 *
 * As documented:
 *   POST /v1/auth/login  → 200 { access_token, access_in, token_type: "bearer", refresh_token, scope }
 *   GET  /v1/vas-products → 200 a bare array of { product_type, display_name, subscriber_id_label,
 *        subscriber_id_min_length, subscriber_id_max_length, subscriber_id_pattern, subscriber_id_hint,
 *        providers: [{ code, name }] }
 *   POST /v1/purchases/validate | confirm, the field table's payload (`amount` a number, `debited_account_id`
 *        an integer, `source_channel` one of WEB, SMART_APP, USSD, BATCH, POS) → 200 the flat Transaction
 *        envelope: id, channel, date, status (ON_GOING on validate; SUCCESSFUL, PENDING or FAILED on confirm),
 *        type TOPUP, reference "TOP/2026/05/…", money strings "BWP 103.00" in total/net/charge/commission/
 *        entry, subscriber_identifier, subscriber_details (the name, a string), product { type, provider,
 *        token, units }, metadata (the provider's breakdown on a sale). Confirm is not idempotent: the same
 *        payload again sells again (counted in `duplicateConfirms`; our client must never cause one).
 *   POST /v1/purchases/retry { source_channel, language, subscriber_identifier, external_reference } → 200 the
 *        original sale's envelope, or a 400-class error when the purchase genuinely failed (or is unknown).
 * Not shown by the documents, so kept minimal and said so in the README:
 *   - error answers: HTTP 400 (401 for a bad or missing token) with the only error body ScratchPower documents
 *     (the Current API's): { response_code, response_message, timestamp, developer_message, errors };
 *   - POST /v1/auth/refresh { refresh_token } → the login answer; GET /v1/accounts → a bare array
 *     [{ id, balance: "BWP …" }].
 *
 * Test subscribers: see scratchpower-v1-catalogue.ts. Other well-formed electricity/water meters are refused
 * ("Meter … not found."); any 2677xxxxxxx airtime number succeeds. Hanging confirms record their outcome
 * first, then hold the response `confirmHangMs`: the success case then answers 200 (if anyone still
 * listens), the failure case 504.
 */

import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { formatCents } from "../../../machines/purchase/money.js";
import { listenOnLoopback } from "./loopback-server.js";
import { SANDBOX_PRODUCTS } from "./scratchpower-v1-catalogue.js";
import {
  checkPurchase,
  retryPayloadSchema,
  SANDBOX_CURRENCY,
  type SandboxRefusal,
  type TransactionEnvelope,
  transactionEnvelope,
} from "./scratchpower-v1-purchase.js";

export const SANDBOX_CREDENTIALS = {
  client_id: "sandbox-client",
  client_secret: "sandbox-client-secret",
  username: "sandbox-merchant",
  password: "sandbox-password",
  org_code: "SANDBOX",
} as const;

export const SANDBOX_ACCOUNT_ID = 13209;
const OPENING_BALANCE_CENTS = 100_000_000; // BWP 1,000,000.00: enough for load tests

export interface ScratchPowerSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Lifetime of an access token (default 3600). Fractions are allowed. */
  accessTtlSeconds?: number;
  /** Lifetime of a refresh token (default 86400). */
  refreshTtlSeconds?: number;
  /** How long the hanging-confirm test meters hold their response (default 60000). */
  confirmHangMs?: number;
  /** Delay before every response (default 0); changeable later with `setLatencyMs`. */
  latencyMs?: number;
}

export interface SandboxStats {
  /** Login requests, successful or not. */
  logins: number;
  failedLogins: number;
  refreshes: number;
  /** Authenticated calls answered 401 (missing, unknown or expired access token). */
  unauthorized: number;
  accountLists: number;
  productLists: number;
  validates: number;
  /** Confirm requests per external_reference, duplicates included. */
  confirms: Map<string, number>;
  duplicateConfirms: number;
  retries: number;
}

export interface SandboxHandle {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  stats: SandboxStats;
  /** Zeroes the counters (transactions and tokens are kept). */
  resetStats(): void;
  setLatencyMs(ms: number): void;
  /** Makes every issued access token unknown, as a vendor-side session purge would: next calls get 401. */
  revokeAccessTokens(): void;
  /** Stops listening and destroys open (including hanging) connections. */
  close(): Promise<void>;
}

/** What retry reports for a confirmed reference: the sale's envelope or why it failed. */
interface StoredTransaction {
  subscriber: string;
  outcome: { sold: TransactionEnvelope } | { failure: SandboxRefusal };
}

function emptyStats(): SandboxStats {
  return {
    logins: 0,
    failedLogins: 0,
    refreshes: 0,
    unauthorized: 0,
    accountLists: 0,
    productLists: 0,
    validates: 0,
    confirms: new Map(),
    duplicateConfirms: 0,
    retries: 0,
  };
}

function sendError(res: Response, refusal: SandboxRefusal): void {
  if (res.headersSent || res.destroyed) return;
  res.status(refusal.status).json({
    response_code: refusal.code,
    response_message: refusal.message,
    timestamp: Date.now(),
    developer_message: "sandbox",
    errors: {},
  });
}

const loginSchema = z.object({
  client_id: z.string(),
  client_secret: z.string(),
  grant_type: z.string(),
  identifier: z.string(),
  secret_pass: z.string(),
  org_code: z.string(),
  source_channel: z.string(),
});

const refreshSchema = z.object({ refresh_token: z.string().min(1) });

export async function startScratchPowerSandbox(
  options: ScratchPowerSandboxOptions = {},
): Promise<SandboxHandle> {
  const accessTtlMs = (options.accessTtlSeconds ?? 3600) * 1000;
  const refreshTtlMs = (options.refreshTtlSeconds ?? 86_400) * 1000;
  const confirmHangMs = options.confirmHangMs ?? 60_000;
  let latencyMs = options.latencyMs ?? 0;
  const stats = emptyStats();
  let balanceCents = OPENING_BALANCE_CENTS;
  const accessTokens = new Map<string, number>(); // token → expiry (epoch ms)
  const refreshTokens = new Map<string, number>();
  const transactions = new Map<string, StoredTransaction>();

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

  app.post("/v1/auth/login", (req, res) => {
    stats.logins += 1;
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success) {
      stats.failedLogins += 1;
      return sendError(res, { status: 400, code: "VALIDATION_ERROR", message: "Missing login fields." });
    }
    const body = parsed.data;
    if (body.grant_type !== "password") {
      stats.failedLogins += 1;
      return sendError(res, {
        status: 400,
        code: "UNSUPPORTED_GRANT_TYPE",
        message: "Unsupported grant_type.",
      });
    }
    const valid =
      body.client_id === SANDBOX_CREDENTIALS.client_id &&
      body.client_secret === SANDBOX_CREDENTIALS.client_secret &&
      body.identifier === SANDBOX_CREDENTIALS.username &&
      body.secret_pass === SANDBOX_CREDENTIALS.password &&
      body.org_code === SANDBOX_CREDENTIALS.org_code;
    if (!valid) {
      stats.failedLogins += 1;
      return sendError(res, { status: 401, code: "INVALID_CREDENTIALS", message: "Invalid credentials." });
    }
    issueSession(res);
  });

  app.post("/v1/auth/refresh", (req, res) => {
    stats.refreshes += 1;
    const parsed = refreshSchema.safeParse(req.body);
    if (!parsed.success) {
      return sendError(res, { status: 400, code: "VALIDATION_ERROR", message: "Missing refresh_token." });
    }
    const expiry = refreshTokens.get(parsed.data.refresh_token);
    refreshTokens.delete(parsed.data.refresh_token); // rotation: a refresh token works once
    if (expiry === undefined || expiry <= Date.now()) {
      return sendError(res, {
        status: 401,
        code: "INVALID_REFRESH_TOKEN",
        message: "Refresh token expired.",
      });
    }
    issueSession(res);
  });

  app.use("/v1", (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    const expiry = accessTokens.get(token);
    if (expiry === undefined || expiry <= Date.now()) {
      stats.unauthorized += 1;
      const code = expiry === undefined ? "INVALID_TOKEN" : "TOKEN_EXPIRED";
      return sendError(res, { status: 401, code, message: "Access token is invalid or expired." });
    }
    next();
  });

  app.get("/v1/accounts", (_req, res) => {
    stats.accountLists += 1;
    res.json([{ id: SANDBOX_ACCOUNT_ID, balance: `${SANDBOX_CURRENCY} ${formatCents(balanceCents)}` }]);
  });

  app.get("/v1/vas-products", (_req, res) => {
    stats.productLists += 1;
    res.json(SANDBOX_PRODUCTS);
  });

  app.post("/v1/purchases/validate", (req, res) => {
    stats.validates += 1;
    const check = checkPurchase(req.body, SANDBOX_ACCOUNT_ID);
    if (!check.ok) return sendError(res, check.refusal);
    res.json(transactionEnvelope(check.purchase, "ON_GOING"));
  });

  app.post("/v1/purchases/confirm", async (req, res) => {
    const reference: unknown = req.body?.external_reference;
    if (typeof reference === "string") {
      stats.confirms.set(reference, (stats.confirms.get(reference) ?? 0) + 1);
      // Not idempotent, as documented: a second confirm is a second purchase (and retry reports the last).
      if (transactions.has(reference)) stats.duplicateConfirms += 1;
    }
    const check = checkPurchase(req.body, SANDBOX_ACCOUNT_ID);
    if (!check.ok) {
      // A well-formed but refused confirm is a failed purchase retry can report, as a real ledger would.
      if (check.refusal.code !== "VALIDATION_ERROR" && typeof reference === "string") {
        transactions.set(reference, {
          subscriber: String(req.body.subscriber_identifier),
          outcome: { failure: check.refusal },
        });
      }
      return sendError(res, check.refusal);
    }
    const { purchase } = check;
    const behaviour = purchase.subscriber?.confirm ?? "succeed";
    const subscriber = purchase.payload.subscriber_identifier;
    const external = purchase.payload.external_reference ?? "";

    if (behaviour === "insufficient-funds" || purchase.totalCents > balanceCents) {
      const refusal = {
        status: 400,
        code: "INSUFFICIENT_FUNDS",
        message: "Insufficient funds to complete this purchase.",
      };
      transactions.set(external, { subscriber, outcome: { failure: refusal } });
      return sendError(res, refusal);
    }
    if (behaviour === "hang-then-fail") {
      const refusal = {
        status: 400,
        code: "TRANSACTION_FAILED",
        message: `${purchase.payload.provider_code} could not complete the purchase. You have not been charged.`,
      };
      transactions.set(external, { subscriber, outcome: { failure: refusal } });
      await wait(confirmHangMs);
      return sendError(res, {
        status: 504,
        code: "UPSTREAM_TIMEOUT",
        message: "The utility did not answer in time.",
      });
    }
    balanceCents -= purchase.totalCents;
    const sold = transactionEnvelope(purchase, "SUCCESSFUL");
    transactions.set(external, { subscriber, outcome: { sold } });
    if (behaviour === "pending") {
      // The utility has not answered yet: PENDING now, the sale (with its token) from retry.
      const product = { type: purchase.product.product_type, provider: purchase.payload.provider_code };
      return res.json({ ...sold, status: "PENDING", product, metadata: {} });
    }
    if (behaviour === "hang-then-succeed") await wait(confirmHangMs);
    if (!res.destroyed) res.json(sold);
  });

  app.post("/v1/purchases/retry", (req, res) => {
    stats.retries += 1;
    const parsed = retryPayloadSchema.safeParse(req.body);
    if (!parsed.success) {
      return sendError(res, { status: 400, code: "VALIDATION_ERROR", message: "Invalid retry request." });
    }
    const stored = transactions.get(parsed.data.external_reference);
    if (!stored || stored.subscriber !== parsed.data.subscriber_identifier) {
      return sendError(res, { status: 404, code: "TRANSACTION_NOT_FOUND", message: "No such purchase." });
    }
    if ("failure" in stored.outcome) {
      return sendError(res, {
        status: 400,
        code: "TRANSACTION_FAILED",
        message: stored.outcome.failure.message,
      });
    }
    res.json(stored.outcome.sold);
  });

  app.use((_req: Request, res: Response) => {
    sendError(res, { status: 404, code: "NOT_FOUND", message: "No such route." });
  });

  // Express error handler (four arguments): malformed JSON and anything unexpected become JSON errors.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413) {
      return sendError(res, { status, code: "INVALID_JSON", message: "The request body is not valid JSON." });
    }
    sendError(res, { status: 500, code: "INTERNAL_ERROR", message: "Internal error." });
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
    close: () => server.close(),
  };
}
