// ScratchPower v1 bodies as ../shared/vendor-docs/scratchpower-getting-started.txt and
// scratchpower-v1-purchases.txt print them. Lenient about fields we do not act on, strict about the ones we
// do: a body without them is unreadable (a VendorError of the right kind), never a crash.

import { z } from "zod";
import { identifier, moneyIn } from "./scratchpower-wire.js";

/** One entry of the bare array `GET /v1/vas-products` answers. */
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

/**
 * The document's answer is a bare array; `{data: [...]}` is read too. Entries are checked one by one so a
 * single odd product does not hide the others.
 */
export const productListSchema = z.union([
  z.array(z.unknown()),
  z.object({ data: z.array(z.unknown()) }).transform((body) => body.data),
]);

/** `status` of the Transaction envelope: ON_GOING (validate), SUCCESSFUL / FAILED / PENDING (confirm, retry). */
export type TransactionStatus = "ON_GOING" | "SUCCESSFUL" | "FAILED" | "PENDING";

/** The flat Transaction envelope of validate, as a quote: money strings in our currency, the verified name. */
export function quoteEnvelopeSchema(currency: string) {
  const money = moneyIn(currency);
  return z.object({
    status: z.string(),
    id: identifier.nullish(),
    reference: z.string().nullish(),
    total: money,
    charge: money,
    net: money.nullish(),
    entry: money.nullish(),
    subscriber_identifier: z.string().nullish(),
    subscriber_details: z.string().nullish(),
  });
}

export type QuoteEnvelope = z.infer<ReturnType<typeof quoteEnvelopeSchema>>;
