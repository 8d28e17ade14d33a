// Powershop.ng bodies as the client reads them, from the vendor's document
// (../shared/vendor-docs/powershop-ng-api.txt; golden copies in test/fixtures/vendor-docs/powershop-ng-api.ts).
// Every answer but the token answer is an envelope `{ status, description, code, data }`. The document
// prints `"code": 00` and an unquoted `transactionDate` (not JSON): vendor-http.ts reads those as the
// strings "00" and "2020-02-10T10:10:10.000", so a code is accepted as a number or a digit string.
// Lenient about extra and missing fields we do not act on, strict about the ones we do.

import { z } from "zod";
import { formatCents, toCents } from "../../machines/purchase/money.js";

/** The document's "API Status Codes"; anything else is read as "no definite answer". */
export const PowershopCode = {
  OK: 0,
  INSUFFICIENT_FUNDS: 600,
  FAILED_NETWORK: 601,
  BELOW_MINIMUM: 605,
  NOT_FOUND: 606,
} as const;

/** `0`, `600`, `"00"`, `"600"` → a number. */
const responseCode = z
  .union([
    z.number().int().nonnegative(),
    z
      .string()
      .trim()
      .regex(/^\d{1,6}$/),
  ])
  .transform(Number);

/** A decimal amount as string (`"7090.3"`) or number (`5000`), normalised to "7090.30". */
const money = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const cents = toCents(value);
  if (cents === undefined) {
    ctx.addIssue({ code: "custom", message: "not a decimal amount" });
    return z.NEVER;
  }
  return formatCents(cents);
});

/** Identifiers may come as numbers too; we keep them as strings. */
const identifier = z.union([z.string().trim().min(1), z.number()]).transform(String);

/** An optional text the vendor may send empty (`"customerAddress": ""`): empty and null read as absent. */
const optionalText = z
  .string()
  .nullish()
  .transform((value) => value?.trim() || undefined);

export const envelopeSchema = z.object({
  /** "Success" or "Failed" in the document; cross-checked against `code` (see `envelopeVerdict`). */
  status: z.string().nullish(),
  description: z.string().nullish(),
  code: responseCode,
  data: z.unknown().optional(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * What an envelope says once `status` and `code` are read together: `ok` (code 0, status "Success" or
 * none), `refused` (a non-zero code, status "Failed" or none), or `contradictory` ("Success" with a
 * non-zero code, "Failed" or any other word with code 0): not an answer to act on.
 */
export function envelopeVerdict(envelope: Envelope): "ok" | "refused" | "contradictory" {
  const status = envelope.status?.trim().toLowerCase();
  if (envelope.code === PowershopCode.OK) return !status || status === "success" ? "ok" : "contradictory";
  return status === "success" ? "contradictory" : "refused";
}

/** "How to Generate Access Token" → Successful Response Payload (top level, no envelope). */
export const tokenAnswerSchema = z.object({
  access_token: z.string().min(1),
  token_type: z
    .string()
    .nullish()
    .refine((type) => !type || type.toLowerCase() === "bearer", "not a Bearer token"),
  /** Seconds; a digit string is accepted too. */
  expires_in: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d+(\.\d+)?$/)
        .transform(Number),
    ])
    .pipe(z.number().positive()),
});

/** "Meter Number Validation" → Successful Response Payload → `data`. */
export const validationDataSchema = z.object({
  /** The vendor's reference of this validation: token generation and status are keyed by it. */
  referenceNumber: identifier,
  transactionId: identifier.nullish(),
  customerName: optionalText,
  customerAddress: optionalText,
  minimumPurchase: money.nullish(),
});

/** "Meter Vending / Token Generation" → Successful Response Payload → `data`. */
export const generationDataSchema = z.object({
  referenceNumber: identifier.nullish(),
  token: z.string().trim().min(1),
  transactionDate: z.string().nullish(),
});

/**
 * "Check Transaction Status" → Successful Response Payload → `data`. It has no status field: a token means
 * a sale, no token means the vendor does not know yet.
 */
export const statusDataSchema = z
  .object({
    referenceNumber: identifier.nullish(),
    token: z.string().trim().nullish(),
    transactionDate: z.string().nullish(),
  })
  .nullish();

export type StatusData = z.infer<typeof statusDataSchema>;

/** "Check Merchant Wallet Balance" → Successful Response Payload → `data`. */
export const walletDataSchema = z.object({ amount: money });
