// ScratchPower Current API bodies as the client accepts them (shapes documented in
// src/vending/sandbox/scratchpower-current.ts). The API answers business errors with HTTP 200, so every
// body is first read for its `response_code`: only "00" is success, and only a success body of the full
// expected shape is ever acted on as one.

import { z } from "zod";
import { formatCents, toCents } from "./cents.js";
import type { RefusedInput } from "./vendor.js";

export const SUCCESS_CODE = "00";

/**
 * What a non-success `response_code` says:
 * - `refused`: definite, the vendor will not (or did not) sell: nothing was bought.
 * - `invalid`: our request was malformed; definite on validate/confirm, says nothing about an earlier buy.
 * - `pending`: processing, the utility timed out, or a system error: the outcome is not known yet.
 * - `not-found`: retry only: the vendor has no purchase with that reference.
 * - `duplicate`: confirm only: the reference was already used, so an earlier confirm may have sold.
 * - `unknown`: a code not in this table; treated as cautiously as `pending` wherever money may have moved.
 */
export type CodeMeaning = "refused" | "invalid" | "pending" | "not-found" | "duplicate" | "unknown";

const CODES: Record<string, { meaning: CodeMeaning; refusedInput?: RefusedInput }> = {
  "05": { meaning: "refused" }, // declined / transaction failed at the utility
  "09": { meaning: "pending" }, // in progress
  "12": { meaning: "invalid" }, // invalid request; `errors[]` names the fields
  "14": { meaning: "refused", refusedInput: "subscriber" }, // meter not found: most likely a typo
  "15": { meaning: "refused" }, // meter blocked: re-typing it will not help, so no refusedInput
  "25": { meaning: "not-found" }, // no transaction with that reference
  "26": { meaning: "duplicate" }, // external_reference already used
  "51": { meaning: "refused" }, // insufficient funds on the debited account
  "61": { meaning: "refused", refusedInput: "amount" }, // amount out of range
  "91": { meaning: "pending" }, // utility did not answer in time
  "96": { meaning: "pending" }, // system error
};

export function codeMeaning(code: string): { meaning: CodeMeaning; refusedInput?: RefusedInput } {
  return CODES[code] ?? { meaning: "unknown" };
}

/** Every answer carries a string `response_code`; a body without one is unreadable. */
export const responseCodeSchema = z.object({ response_code: z.string().min(1) });

/** A non-success answer (HTTP 200 or not): `{response_code, response_message, timestamp, developer_message, errors}`. */
export const errorBodySchema = z.object({
  response_code: z.string().min(1),
  response_message: z.string(),
  developer_message: z.string().nullish(),
});

/** A decimal amount as string or number, normalised to "100.00". */
const money = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const cents = toCents(value);
  if (cents === undefined) {
    ctx.addIssue({ code: "custom", message: "not a decimal amount" });
    return z.NEVER;
  }
  return formatCents(cents);
});

const priced = {
  response_code: z.literal(SUCCESS_CODE),
  external_reference: z.string().nullish(),
  meter_number: z.string().nullish(),
  meter_details: z.object({ customer_name: z.string().nullish() }).nullish(),
  amount: money,
  charge: money,
  net: money.nullish(),
  total: money,
  currency: z.string().min(1),
};

export const validateSuccessSchema = z.object(priced);

/** Confirm and retry successes. `token` is optional here on purpose: its absence is read as "not bought". */
export const saleSuccessSchema = z.object({
  ...priced,
  transaction_reference: z.string().nullish(),
  token: z.string().nullish(),
  electricity_units: z.union([z.string(), z.number()]).nullish(),
});

export type SaleSuccess = z.infer<typeof saleSuccessSchema>;

/** `GET /auth/me`: the only place the debit accounts are listed. */
export const meSchema = z.object({
  accounts: z.array(
    z.object({
      account_id: z.union([z.string().min(1), z.number()]).transform(String),
      balance: z.union([z.string(), z.number()]).nullish(),
      currency: z.string().nullish(),
    }),
  ),
});

/** `electricity_units` is kWh as a number or decimal string ("8.1" → "8.1 kWh"); text with a unit is kept. */
export function unitsText(units: string | number | null | undefined): string | undefined {
  if (units === null || units === undefined) return undefined;
  const text = String(units).trim();
  if (!text) return undefined;
  return /^\d+(\.\d+)?$/.test(text) ? `${text} kWh` : text;
}
