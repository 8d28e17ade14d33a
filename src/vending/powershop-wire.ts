// Powershop.ng response bodies as the client accepts them (shapes documented in
// src/vending/sandbox/powershop.ts). Every answer is an envelope `{ code, message, data }` whose `code` says
// what happened; the vendor's own examples show `"code": 00` (not valid JSON), so a code is accepted as a
// number or as a digit string ("00", "0", "600"). Lenient about extra fields, strict about the ones we act on.

import { z } from "zod";
import { formatCents, toCents } from "./cents.js";

/** The codes SPEC section 2 documents; anything else is read as "no definite answer". */
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

/** A decimal amount as string or number, normalised to "1000.00". */
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

export const envelopeSchema = z.object({
  code: responseCode,
  message: z.string().nullish(),
  data: z.unknown().optional(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

export const authDataSchema = z.object({
  token: z.string().min(1),
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

export const validationDataSchema = z.object({
  referenceNumber: identifier,
  customerName: z.string().nullish(),
  amount: money.nullish(),
  minimumPurchase: money.nullish(),
});

/** A 605 answer carries the minimum in `data`; its absence must not hide the refusal itself. */
export const belowMinimumDataSchema = z.object({ minimumPurchase: money });

/** Units as the vendor sends them: "45.3 kWh", or a bare number of kWh. */
const units = z
  .union([z.string().trim().min(1), z.number().nonnegative()])
  .transform((value) => (typeof value === "number" ? `${value} kWh` : value));

export const generationDataSchema = z.object({
  referenceNumber: identifier.nullish(),
  token: z.string().trim().min(1),
  units: units.nullish(),
});

export const statusDataSchema = z.object({
  referenceNumber: identifier.nullish(),
  status: z.string().trim().min(1),
  token: z.string().trim().min(1).nullish(),
  units: units.nullish(),
});

export type StatusData = z.infer<typeof statusDataSchema>;

export const walletDataSchema = z.object({
  walletId: identifier.nullish(),
  balance: money,
  currency: z.string().nullish(),
});
