// ScratchPower v1 response bodies as the client accepts them (shapes documented in
// src/vending/sandbox/scratchpower-v1.ts). Parsing is lenient about extra fields and strict about the ones
// we act on: a malformed body becomes a VendorError of the right kind, never a crash.

import { z } from "zod";
import { formatCents, toCents } from "./cents.js";

/** A decimal amount as string or number, normalised to "100.00". */
const money = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const cents = toCents(value);
  if (cents === undefined) {
    ctx.addIssue({ code: "custom", message: "not a decimal amount" });
    return z.NEVER;
  }
  return formatCents(cents);
});

export const errorBodySchema = z.object({
  response_code: z.string().optional(),
  response_message: z.string(),
});

export const productSchema = z.object({
  product_type: z.string().min(1),
  display_name: z.string().min(1),
  subscriber_id_label: z.string().min(1),
  subscriber_id_min_length: z.number().int().nonnegative(),
  subscriber_id_max_length: z.number().int().positive(),
  subscriber_id_pattern: z.string().nullish(),
  subscriber_id_hint: z.string().nullish(),
  providers: z.array(z.object({ code: z.string().min(1), name: z.string().min(1) })).min(1),
});

/** Products are checked one by one so a single odd entry does not hide the others. */
export const productListSchema = z.object({ data: z.array(z.unknown()) });

export const accountListSchema = z.object({
  data: z.array(
    z.object({
      id: z.union([z.string().min(1), z.number()]).transform(String),
      balance: z.union([z.string(), z.number()]).nullish(),
      currency: z.string().nullish(),
    }),
  ),
});

export const transactionEnvelopeSchema = z.object({
  data: z.object({
    status: z.string(),
    external_reference: z.string().nullish(),
    reference: z.string().nullish(),
    subscriber_details: z.object({ name: z.string().nullish() }).nullish(),
    amount: money,
    charge: money,
    net: money.nullish(),
    total: money,
    currency: z.string().min(1),
    product: z.object({ token: z.string().nullish(), units: z.string().nullish() }).nullish(),
  }),
});

export type TransactionEnvelope = z.infer<typeof transactionEnvelopeSchema>["data"];
