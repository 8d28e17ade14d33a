/*
 * Built-in Powershop.ng sandbox (Nigeria, NGN), built from the vendor's document
 * ../shared/vendor-docs/powershop-ng-api.txt ("API Documentation — Integrate with our electricity vending
 * services"): it serves the merchant API on loopback so the real client (src/vending/powershop.ts) runs in
 * tests and demos. Every success body has exactly the keys and value types of the document's example for
 * that call (test/vending/powershop-sandbox.test.ts compares them), and is written as the document prints
 * it: `"code": 00` (a bare 00, not JSON) and, in the status answer, an unquoted `transactionDate`.
 *
 * POST /v1/merchant/auth/token/request  { username, secret }
 *   200 { access_token, token_type: "Bearer", expires_in: seconds }
 * Every other route needs `Authorization: Bearer <access_token>`.
 * POST /v1/merchant/meter/validation/request
 *   { meterNumber: string, meterType: "prepaid" | "postpaid", mobileNumber: string, amount: number,
 *     merchantReference: alphanumeric, disco: "aedc" | "jed" | "kedco" }
 *   { status: "Success", description: "Successful meter verification", code: 00, data: { transactionId,
 *     referenceNumber, meterNumber, meterType, minimumPurchase: number, discoType, customerName,
 *     customerAddress, mobileNumber } }   (a new referenceNumber and transactionId per validation; an
 *     amount below minimumPurchase still validates, as the document says, and its generation answers 605)
 * POST /v1/merchant/token/generation/request  { referenceNumber: string, amount: string }
 *   { status: "Success", description: "Successfully token generation", code: 00, data: { referenceNumber,
 *     amount: number, token, transactionDate: "2018-11-24 16:53:19.045", meterNumber, merchantReference } }
 *   A hanging generation records its outcome first, then holds the response `generationHangMs`.
 * POST /v1/merchant/transaction/status/request  { referenceNumber: string, disco }
 *   { status: "Success", description: "Successful Transaction retrieval", code: 00, data: { referenceNumber,
 *     merchantReference, meterNumber, token, transactionDate: 2020-02-10T10:10:10.000, amount: "7000" } }
 *   (while the vendor is still generating: the same without `token`)
 * GET /v1/merchant/wallet-balance/request
 *   { status: "Success", description: "Merchant Wallet Balance", code: 00, data: { amount: "7090.3" } }
 *
 * Refusals use the document's "API Status Codes" and its descriptions, in the same envelope with status
 * "Failed" and no `data` (the document prints no refusal body): 600 insufficient funds (generation), 601
 * failed (validation or generation), 605 below the minimum purchase (generation), 606 not found (unknown
 * meter, unknown referenceNumber, and status for a generation that failed or never happened).
 * What the document does not describe at all gets an HTTP error with a plain-text reason and no JSON shape:
 * 400 malformed request (wrong field or type), 401 bad credentials or token, 404 unknown route, and 409 a
 * second generation for one referenceNumber (counted, nothing sold).
 *
 * Test meters: powershop-catalogue.ts.
 */

import { randomUUID } from "node:crypto";
import express, { type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import { formatCents, toCents } from "../../../machines/purchase/money.js";
import { listenOnLoopback } from "./loopback-server.js";
import {
  DEFAULT_MINIMUM_CENTS,
  POWERSHOP_DISCOS,
  POWERSHOP_SANDBOX_CREDENTIALS,
  SANDBOX_METERS,
  type SandboxMeter,
} from "./powershop-catalogue.js";

export { POWERSHOP_SANDBOX_CREDENTIALS } from "./powershop-catalogue.js";

const OPENING_BALANCE_CENTS = 1_000_000_000; // NGN 10,000,000.00: enough for load tests

export interface PowershopSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Lifetime of a token, `expires_in` (default 40000, the document's example). Fractions are allowed. */
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

interface Validation {
  transactionId: string;
  meterNumber: string;
  meter: SandboxMeter;
  disco: string;
  merchantReference: string;
  minimumCents: number;
}

/** What the status request reports for a referenceNumber whose token generation was accepted. */
type Transaction =
  | {
      outcome: "sold";
      token: string;
      amountCents: number;
      transactionDate: string;
      validation: Validation;
      availableAt: number;
    }
  | { outcome: "failed"; validation: Validation };

/** The document's "API Status Codes", with its descriptions. */
const REFUSALS = {
  600: "Insufficient Funds in merchant account",
  601: "Failed transaction (mostly network error)",
  605: "Vending amount lower than the minimum purchase for a meter number in question",
  606: "Transaction not found",
} as const;

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

/**
 * A success envelope written as the document prints it: `"code": 00`, and `bareDate` (the status answer's
 * `transactionDate`) unquoted.
 */
function success(res: Response, description: string, data: Record<string, unknown>, bareDate?: string): void {
  let dataText = JSON.stringify(data);
  if (bareDate)
    dataText = dataText.replace(
      `"transactionDate":${JSON.stringify(bareDate)}`,
      `"transactionDate":${bareDate}`,
    );
  send(
    res,
    200,
    `{"status":"Success","description":${JSON.stringify(description)},"code":00,"data":${dataText}}`,
  );
}

function refuse(res: Response, code: keyof typeof REFUSALS, description: string = REFUSALS[code]): void {
  send(res, 200, JSON.stringify({ status: "Failed", description, code }));
}

/** An HTTP error the document does not describe: a plain-text reason, no JSON shape of our own. */
function httpError(res: Response, status: number, reason: string): void {
  if (res.headersSent || res.destroyed) return;
  res.status(status).type("text/plain").send(reason);
}

function send(res: Response, status: number, text: string): void {
  if (res.headersSent || res.destroyed) return;
  res.status(status).type("application/json").send(text);
}

const validationSchema = z.object({
  meterNumber: z.string().regex(/^\d{6,16}$/, "must be the meter's digits"),
  meterType: z.enum(["prepaid", "postpaid"]),
  mobileNumber: z.string().regex(/^(0\d{10,11}|\+[1-9]\d{7,14})$/, "must be 080… or +<country>…"),
  /** "Double - Compulsory": a JSON number. */
  amount: z.number().positive(),
  merchantReference: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "must be alphanumeric"),
  disco: z.enum(POWERSHOP_DISCOS),
});

/** "String - Compulsory": the amount as a string of naira. */
const generationSchema = z.object({
  referenceNumber: z.string().min(1),
  amount: z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, 'must be a string of naira such as "5000"'),
});
const statusSchema = z.object({ referenceNumber: z.string().min(1), disco: z.enum(POWERSHOP_DISCOS) });
const credentialsSchema = z.object({ username: z.string(), secret: z.string() });

function malformed(res: Response, error: z.ZodError): void {
  const issue = error.issues[0];
  const field = issue?.path.join(".") || "body";
  httpError(res, 400, `Invalid ${field}: ${issue?.message ?? "malformed"}`);
}

/** Naira as the document's answers write them: 5000, 1500.5. */
const naira = (cents: number) => Number(formatCents(cents));

/** `2018-11-24 16:53:19.045`, the generation example's format (the status example's is ISO without zone). */
function vendorDate(at: Date): string {
  return at.toISOString().replace("T", " ").replace("Z", "");
}

let tokenCounter = 0;

export async function startPowershopSandbox(
  options: PowershopSandboxOptions = {},
): Promise<PowershopSandboxHandle> {
  const tokenTtlSeconds = options.tokenTtlSeconds ?? 40_000;
  const generationHangMs = options.generationHangMs ?? 60_000;
  let latencyMs = options.latencyMs ?? 0;
  const stats = emptyStats();
  let balanceCents = OPENING_BALANCE_CENTS;
  const tokens = new Map<string, number>(); // access_token → expiry (epoch ms)
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
      return httpError(res, 401, "Invalid username or secret.");
    }
    tokenCounter += 1;
    const token = `${randomUUID().replaceAll("-", "")}.${tokenCounter}`;
    tokens.set(token, Date.now() + tokenTtlSeconds * 1000);
    send(
      res,
      200,
      JSON.stringify({ access_token: token, token_type: "Bearer", expires_in: tokenTtlSeconds }),
    );
  });

  app.use("/v1/merchant", (req, res, next) => {
    const header = req.get("authorization") ?? "";
    const token = header.startsWith("Bearer ") ? header.slice("Bearer ".length) : "";
    const expiry = tokens.get(token);
    if (expiry === undefined || expiry <= Date.now()) {
      stats.unauthorized += 1;
      res.set("www-authenticate", "Bearer");
      return httpError(res, 401, "Token is invalid or expired.");
    }
    next();
  });

  app.post("/v1/merchant/meter/validation/request", (req, res) => {
    stats.validations += 1;
    const parsed = validationSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { meterNumber, meterType, mobileNumber, merchantReference, disco } = parsed.data;
    const meter = SANDBOX_METERS[meterNumber];
    // Every test meter is prepaid.
    if (!meter || meterType !== "prepaid") return refuse(res, 606, "Meter not found");
    if (meter.validationFails) return refuse(res, 601);
    const minimumCents = meter.minimumCents ?? DEFAULT_MINIMUM_CENTS;
    const referenceNumber = randomUUID();
    const transactionId = randomUUID();
    validations.set(referenceNumber, {
      transactionId,
      meterNumber,
      meter,
      disco,
      merchantReference,
      minimumCents,
    });
    success(res, "Successful meter verification", {
      transactionId,
      referenceNumber,
      meterNumber,
      meterType,
      minimumPurchase: naira(minimumCents),
      discoType: disco,
      customerName: meter.customerName,
      customerAddress: meter.customerAddress ?? "",
      mobileNumber,
    });
  });

  app.post("/v1/merchant/token/generation/request", async (req, res) => {
    const parsed = generationSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { referenceNumber } = parsed.data;
    stats.generations.set(referenceNumber, (stats.generations.get(referenceNumber) ?? 0) + 1);
    if (transactions.has(referenceNumber)) {
      stats.duplicateGenerations += 1;
      return httpError(res, 409, "A token was already generated for this referenceNumber.");
    }
    const validation = validations.get(referenceNumber);
    if (!validation) return refuse(res, 606);
    // The document lets a merchant raise the amount after validation; it must reach the meter's minimum.
    const amountCents = toCents(parsed.data.amount) ?? 0;
    if (amountCents < validation.minimumCents) return refuse(res, 605);
    const behaviour = validation.meter.generation;
    if (behaviour === "insufficient-funds" || amountCents > balanceCents) {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      return refuse(res, 600);
    }
    if (behaviour === "network-failure") {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      return refuse(res, 601);
    }
    if (behaviour === "hang-then-fail") {
      transactions.set(referenceNumber, { outcome: "failed", validation });
      await wait(generationHangMs);
      return refuse(res, 601);
    }
    balanceCents -= amountCents;
    const sold: Transaction = {
      outcome: "sold",
      token: validation.meter.token ?? sandboxToken(validation.meterNumber),
      amountCents,
      transactionDate: vendorDate(new Date()),
      validation,
      availableAt: Date.now() + (behaviour === "pending-then-succeed" ? generationHangMs : 0),
    };
    transactions.set(referenceNumber, sold);
    if (behaviour !== "succeed") await wait(generationHangMs);
    success(res, "Successfully token generation", {
      referenceNumber,
      amount: naira(amountCents),
      token: sold.token,
      transactionDate: sold.transactionDate,
      meterNumber: validation.meterNumber,
      merchantReference: validation.merchantReference,
    });
  });

  app.post("/v1/merchant/transaction/status/request", (req, res) => {
    stats.statusRequests += 1;
    const parsed = statusSchema.safeParse(req.body);
    if (!parsed.success) return malformed(res, parsed.error);
    const { referenceNumber, disco } = parsed.data;
    const transaction = transactions.get(referenceNumber);
    if (!transaction || transaction.validation.disco !== disco || transaction.outcome === "failed") {
      return refuse(res, 606);
    }
    const { validation } = transaction;
    // The status example's date style: ISO without a zone, unquoted.
    const transactionDate = transaction.transactionDate.replace(" ", "T");
    const ready = Date.now() >= transaction.availableAt;
    success(
      res,
      "Successful Transaction retrieval",
      {
        referenceNumber,
        merchantReference: validation.merchantReference,
        meterNumber: validation.meterNumber,
        ...(ready ? { token: transaction.token } : {}),
        transactionDate,
        amount: String(naira(transaction.amountCents)),
      },
      transactionDate,
    );
  });

  app.get("/v1/merchant/wallet-balance/request", (_req, res) => {
    stats.balanceRequests += 1;
    success(res, "Merchant Wallet Balance", { amount: String(naira(balanceCents)) });
  });

  app.use((_req: Request, res: Response) => httpError(res, 404, "No such route."));

  // Express error handler (four arguments): malformed JSON and anything unexpected become plain answers.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const status = (error as { status?: number }).status;
    if (status === 400 || status === 413)
      return httpError(res, status, "The request body is not valid JSON.");
    httpError(res, 500, "Internal error.");
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

let generatedTokens = 0;

/** A 20-digit token for a meter without a fixed one, grouped in fours like the document's example. */
function sandboxToken(meterNumber: string): string {
  generatedTokens += 1;
  const digits = `${meterNumber}${String(generatedTokens).padStart(9, "0")}`.slice(-20).padStart(20, "0");
  return digits.replace(/(\d{4})(?=\d)/g, "$1 ");
}
