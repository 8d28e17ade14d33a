/*
 * Built-in Powershop.ng sandbox (Nigeria, NGN): serves the merchant API of SPEC section 2 on loopback so the
 * real client (src/vending/powershop.ts) runs in tests and demos. Powershop documents paths, request fields
 * and codes only; the envelopes below are this project's design.
 *
 * Every answer is `{ code, message, data? }`. Business outcomes come with HTTP 200 and their code:
 *   0 ok, 600 insufficient funds, 601 failed (network), 605 below minimum purchase, 606 not found.
 * Powershop's examples show `"code": 00`, which is not JSON, so a client must read a code given as a number
 * or a string: this sandbox sends both on purpose (noted per answer below as 0 / "00").
 * Codes the vendor does not document are this sandbox's, equal to the HTTP status: 400 malformed request
 * (code 400), 401 unknown credentials (code 401) or token (code "401"), 409 token already generated for
 * this referenceNumber (code "409"), 404 unknown route.
 *
 * POST /v1/merchant/auth/token/request  { username, secret }
 *   200 { code: "00", message: "Successful", data: { token, expires_in: seconds } }
 * Every other route needs `Authorization: Bearer <token>`; missing, unknown, expired → 401.
 * POST /v1/merchant/meter/validation/request
 *   { meterNumber: "45700000001" (11-13 digits), meterType: "prepaid", mobileNumber: "08031234567" (local) or
 *     "+26771436390" (foreign), amount: 1500.5 (naira; a decimal string is accepted too),
 *     merchantReference: ours (1-64 characters), disco: "aedc" | "jed" | "kedco" }
 *   ok:  { code: 0, message: "Successful", data: { referenceNumber: "PSN…", customerName, meterNumber, disco,
 *          amount: 1500.5, minimumPurchase: 100 } }                  (a new referenceNumber per validation)
 *   605: { code: "605", message: "Amount is below the minimum purchase.", data: { minimumPurchase: 1000 } }
 *   606: { code: 606, message: "Meter not found." }
 *   601: { code: "601", message: "Failed: the disco could not be reached." }
 * POST /v1/merchant/token/generation/request  { referenceNumber, amount } (amount must equal the validation's)
 *   ok:  { code: "00", message: "Successful", data: { referenceNumber, token: "4570 0000 …", units: "4.4 kWh",
 *          amount, meterNumber, disco } }
 *   600: { code: 600, message: "Insufficient wallet balance." }
 *   601: { code: "601", message: "Failed: the disco network is unavailable." }
 *   606: { code: 606, message: "Reference not found." } (never validated)
 *   409: { code: "409", message: "A token was already generated for this reference." } (counted, nothing sold)
 *   A hanging generation records its outcome first, then holds the response `generationHangMs`.
 * POST /v1/merchant/transaction/status/request  { referenceNumber, disco }
 *   successful: { code: 0, message: "Successful", data: { referenceNumber, status: "SUCCESSFUL", token, units,
 *                 amount, meterNumber, disco } }
 *   pending:    { code: 0, message: "Transaction pending.", data: { referenceNumber, status: "PENDING" } }
 *   failed:     { code: "606", message: "Transaction failed: no token was generated." }
 *   unknown:    { code: 606, message: "Transaction not found." } (no generation for it, or another disco)
 * GET /v1/merchant/wallet-balance/request
 *   200 { code: "0", message: "Successful", data: { walletId, balance: 9998500.5 (number), currency: "NGN" } }
 *
 * Test meters: powershop-catalogue.ts.
 */

import { randomBytes } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { formatCents, toCents } from "../cents.js";
import { listenOnLoopback } from "./loopback-server.js";
import {
  DEFAULT_MINIMUM_CENTS,
  POWERSHOP_DISCOS,
  POWERSHOP_SANDBOX_CREDENTIALS,
  POWERSHOP_SANDBOX_WALLET_ID,
  SANDBOX_METERS,
  type SandboxMeter,
  sandboxUnits,
} from "./powershop-catalogue.js";

export { POWERSHOP_SANDBOX_CREDENTIALS, POWERSHOP_SANDBOX_WALLET_ID } from "./powershop-catalogue.js";

const OPENING_BALANCE_CENTS = 1_000_000_000; // NGN 10,000,000.00: enough for load tests

export interface PowershopSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Lifetime of a token, `expires_in` (default 3600). Fractions are allowed. */
  tokenTtlSeconds?: number;
  /** How long the hanging-generation test meters hold their response (default 60000). */
  generationHangMs?: number;
  /** Delay before every response (default 0); changeable later with `setLatencyMs`. */
  latencyMs?: number;
}

export interface PowershopSandboxStats {
  /** Token requests, successful or not. */
  tokenRequests: number;
  failedTokenRequests: number;
  /** Authenticated calls answered 401 (missing, unknown or expired token). */
  unauthorized: number;
  validations: number;
  /** Token generation requests per referenceNumber, including refused duplicates. */
  generations: Map<string, number>;
  duplicateGenerations: number;
  statusRequests: number;
  balanceRequests: number;
}

export interface PowershopSandboxHandle {
  /** Base URL without `/v1`, e.g. `http://127.0.0.1:PORT`. */
  url: string;
  stats: PowershopSandboxStats;
  /** Zeroes the counters (validations, transactions and the wallet are kept). */
  resetStats(): void;
  setLatencyMs(ms: number): void;
  /** Makes every issued token unknown, as a vendor-side purge would: next calls get 401. */
  revokeTokens(): void;
  /** Stops listening and destroys open (including hanging) connections. */
  close(): Promise<void>;
}

type Code = number | string;

interface Validation {
  meterNumber: string;
  meter: SandboxMeter;
  disco: string;
  amountCents: number;
}

/** What the status request reports for a referenceNumber whose token generation was accepted. */
type Transaction =
  | { outcome: "sold"; token: string; units: string; validation: Validation; availableAt: number }
  | { outcome: "failed"; validation: Validation };

function emptyStats(): PowershopSandboxStats {
  return {
    tokenRequests: 0,
    failedTokenRequests: 0,
    unauthorized: 0,
    validations: 0,
    generations: new Map(),
    duplicateGenerations: 0,
    statusRequests: 0,
    balanceRequests: 0,
  };
}

function reply(res: Response, code: Code, message: string, data?: unknown, httpStatus = 200): void {
  if (res.headersSent || res.destroyed) return;
  res.status(httpStatus).json({ code, message, ...(data === undefined ? {} : { data }) });
}

const amountSchema = z.union([
  z.number().positive(),
  z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, "must be a decimal amount"),
]);

const validationSchema = z.object({
  meterNumber: z.string().regex(/^\d{11,13}$/, "must be 11 to 13 digits"),
  meterType: z.literal("prepaid", "only prepaid meters are supported"),
  mobileNumber: z.string().regex(/^(0[789][01]\d{8}|\+[1-9]\d{7,14})$/, "must be 080… or +<country>…"),
  amount: amountSchema,
  merchantReference: z.string().min(1).max(64),
  disco: z.enum(POWERSHOP_DISCOS),
});

const generationSchema = z.object({ referenceNumber: z.string().min(1), amount: amountSchema });
const statusSchema = z.object({ referenceNumber: z.string().min(1), disco: z.enum(POWERSHOP_DISCOS) });
const credentialsSchema = z.object({ username: z.string(), secret: z.string() });

function malformed(res: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "body";
  reply(res, 400, `Invalid ${field}: ${issue?.message ?? "malformed"}`, undefined, 400);
}

/** Naira as the vendor writes them: a JSON number. */
const naira = (cents: number) => Number(formatCents(cents));

let referenceCounter = 0;

function newReferenceNumber(): string {
  referenceCounter += 1;
  return `PSN${Date.now()}${String(referenceCounter).padStart(6, "0")}`;
}

export async function startPowershopSandbox(
  options: PowershopSandboxOptions = {},
): Promise<PowershopSandboxHandle> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 3600;
  const generationHangMs = options.generationHangMs ?? 60_000;
  let latencyMs = options.latencyMs ?? 0;
  const stats = emptyStats();
  let balanceCents = OPENING_BALANCE_CENTS;
  const tokens = new Map<string, number>(); // token → expiry (epoch ms)
  const validations = new Map<string, Validation>(); // referenceNumber →
  const transactions = new Map<string, Transaction>(); // referenceNumber →

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

  const app = express();
  app.disable("x-powered-by");
  app.use(async (_req: Request, _res: Response, next: NextFunction) => {
    await wait(latencyMs);
    next();
  });
  app.use(express.json({ limit: "16kb" }));

  app.post("/v1/merchant/auth/token/request", (req, res) => {
    stats.tokenRequests += 1;
    const parsed = credentialsSchema.safeParse(req.body);
    const valid =
      parsed.success &&
      parsed.data.username === POWERSHOP_SANDBOX_CREDENTIALS.username &&
      parsed.data.secret === POWERSHOP_SANDBOX_CREDENTIALS.secret;
    if (!valid) {
      stats.failedTokenRequests += 1;
      return reply(res, 401, "Invalid username or secret.", undefined, 401);
    }
    const token = randomBytes(24).toString("base64url");
    tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
    reply(res, "00", "Successful", { token, expires_in: tokenTtlSeconds });
  });

  app.use("/v1/merchant", (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    const expiry = tokens.get(token);
    if (expiry === undefined || expiry <= Date.now()) {
      stats.unauthorized += 1;
      return reply(res, "401", "Token is invalid or expired.", undefined, 401);
    }
    next();
  });

  app.post("/v1/merchant/meter/validation/request", (req, res) => {
    stats.validations += 1;
    const parsed = validationSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { meterNumber, disco } = parsed.data;
    const amountCents = toCents(parsed.data.amount) ?? 0;
    const meter = SANDBOX_METERS[meterNumber];
    if (!meter) return reply(res, 606, "Meter not found.");
    if (meter.validationFails) return reply(res, "601", "Failed: the disco could not be reached.");
    const minimumCents = meter.minimumCents ?? DEFAULT_MINIMUM_CENTS;
    if (amountCents < minimumCents) {
      return reply(res, "605", "Amount is below the minimum purchase.", {
        minimumPurchase: naira(minimumCents),
      });
    }
    const referenceNumber = newReferenceNumber();
    validations.set(referenceNumber, { meterNumber, meter, disco, amountCents });
    reply(res, 0, "Successful", {
      referenceNumber,
      customerName: meter.customerName,
      meterNumber,
      disco,
      amount: naira(amountCents),
      minimumPurchase: naira(minimumCents),
    });
  });

  app.post("/v1/merchant/token/generation/request", async (req, res) => {
    const parsed = generationSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { referenceNumber } = parsed.data;
    stats.generations.set(referenceNumber, (stats.generations.get(referenceNumber) ?? 0) + 1);
    if (transactions.has(referenceNumber)) {
      stats.duplicateGenerations += 1;
      return reply(res, "409", "A token was already generated for this reference.", undefined, 409);
    }
    const validation = validations.get(referenceNumber);
    if (!validation) return reply(res, 606, "Reference not found.");
    if (toCents(parsed.data.amount) !== validation.amountCents) {
      return reply(res, 400, "Amount does not match the validation.", undefined, 400);
    }
    const { meter } = validation;
    const behaviour = meter.generation;
    if (behaviour === "insufficient-funds" || validation.amountCents > balanceCents) {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      return reply(res, 600, "Insufficient wallet balance.");
    }
    if (behaviour === "network-failure") {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      return reply(res, "601", "Failed: the disco network is unavailable.");
    }
    if (behaviour === "hang-then-fail") {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      await wait(generationHangMs);
      return reply(res, "601", "Failed: the disco network is unavailable.");
    }
    balanceCents -= validation.amountCents;
    const sold: Transaction = {
      outcome: "sold",
      token: meter.token ?? sandboxToken(validation.meterNumber),
      units: sandboxUnits(validation.amountCents),
      validation,
      availableAt: Date.now() + (behaviour === "pending-then-succeed" ? generationHangMs : 0),
    };
    transactions.set(referenceNumber, sold);
    if (behaviour !== "succeed") await wait(generationHangMs);
    reply(res, "00", "Successful", soldData(referenceNumber, sold));
  });

  app.post("/v1/merchant/transaction/status/request", (req, res) => {
    stats.statusRequests += 1;
    const parsed = statusSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { referenceNumber, disco } = parsed.data;
    const transaction = transactions.get(referenceNumber);
    if (!transaction || transaction.validation.disco !== disco) {
      return reply(res, 606, "Transaction not found.");
    }
    if (transaction.outcome === "failed") {
      return reply(res, "606", "Transaction failed: no token was generated.");
    }
    if (Date.now() < transaction.availableAt) {
      return reply(res, 0, "Transaction pending.", { referenceNumber, status: "PENDING" });
    }
    reply(res, 0, "Successful", { ...soldData(referenceNumber, transaction), status: "SUCCESSFUL" });
  });

  app.get("/v1/merchant/wallet-balance/request", (_req, res) => {
    stats.balanceRequests += 1;
    reply(res, "0", "Successful", {
      walletId: POWERSHOP_SANDBOX_WALLET_ID,
      balance: naira(balanceCents),
      currency: "NGN",
    });
  });

  app.use((_req: Request, res: Response) => reply(res, 404, "No such route.", undefined, 404));

  // Express error handler (four arguments): malformed JSON and anything unexpected become JSON answers.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413) {
      return reply(res, status, "The request body is not valid JSON.", undefined, status);
    }
    reply(res, 500, "Internal error.", undefined, 500);
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
    revokeTokens() {
      tokens.clear();
    },
    close: () => server.close(),
  };
}

function soldData(referenceNumber: string, sold: Extract<Transaction, { outcome: "sold" }>) {
  const { validation } = sold;
  return {
    referenceNumber,
    token: sold.token,
    units: sold.units,
    amount: naira(validation.amountCents),
    meterNumber: validation.meterNumber,
    disco: validation.disco,
  };
}

/** A 20-digit token for a meter without a fixed one, grouped in fours like the vendor's. */
function sandboxToken(meterNumber: string): string {
  const digits = `${meterNumber}${String(referenceCounter).padStart(9, "0")}`.slice(-20).padStart(20, "0");
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}
