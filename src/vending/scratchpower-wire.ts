// What ScratchPower's two APIs (v1 and the deprecated Current API) share on the wire, read as their documents
// show (../shared/vendor-docs/scratchpower-*.txt): currency-prefixed money strings ("BWP 103.00"), units
// ("8.1 kWh", "191.7kWh", "1500 L"), the error body `{response_code, response_message, …}`, and the debit
// accounts, whose list the documents never print (so several shapes are accepted; see the README).

import { z } from "zod";
import { formatCents, toCents } from "../../machines/purchase/money.js";
import type { PurchaseRequest, Sale } from "./vendor.js";

/**
 * A money field as the documents print it, `"BWP 103.00"`, normalised to "103.00". The prefix must be our
 * currency: an amount in another currency is unreadable, never converted. A bare decimal (string or number)
 * is accepted too, since it claims no currency.
 */
export function moneyIn(currency: string) {
  return z.union([z.string(), z.number()]).transform((value, ctx) => {
    const amount = readMoney(value, currency);
    if (amount === undefined) {
      ctx.addIssue({ code: "custom", message: `not an amount in ${currency}` });
      return z.NEVER;
    }
    return amount;
  });
}

function readMoney(value: string | number, currency: string): string | undefined {
  if (typeof value === "number") {
    const cents = toCents(value);
    return cents === undefined ? undefined : formatCents(cents);
  }
  const match = /^(?:([A-Za-z]{3})\s*)?(\d[\d,]*(?:\.\d{1,2})?)$/.exec(value.trim());
  if (!match || (match[1] !== undefined && match[1].toUpperCase() !== currency.toUpperCase()))
    return undefined;
  const cents = toCents((match[2] as string).replace(/,/g, ""));
  return cents === undefined ? undefined : formatCents(cents);
}

/**
 * A balance: a number or a money string of any size (`"BWP 1,250,000.50"`), as a plain decimal string with
 * two decimals; undefined when unreadable or in another currency (the balance is information, never money
 * we act on, so an odd one is dropped rather than failing the call).
 */
export function balanceText(value: unknown, currency: string): string | undefined {
  const text = typeof value === "number" && Number.isFinite(value) ? value.toFixed(2) : value;
  if (typeof text !== "string") return undefined;
  const match = /^(?:([A-Za-z]{3})\s*)?(-?)(\d[\d,]*)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match || (match[1] !== undefined && match[1].toUpperCase() !== currency.toUpperCase()))
    return undefined;
  const whole = (match[3] as string).replace(/,/g, "").replace(/^0+(?=\d)/, "");
  return `${match[2]}${whole}.${(match[4] ?? "").padEnd(2, "0")}`;
}

/**
 * Units as the customer should read them: v1 prints `"8.1 kWh"` and `"1500 L"`, the getting-started excerpt
 * and the Current API `"8.1kWh"` / `"191.7kWh"`; a bare number is kWh. → "8.1 kWh", "191.7 kWh", "1500 L".
 */
export function unitsText(units: unknown): string | undefined {
  if (typeof units !== "string" && typeof units !== "number") return undefined;
  const text = String(units).trim();
  if (!text) return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text);
  if (!match) return text;
  return `${match[1]} ${match[2] || "kWh"}`;
}

/**
 * The vendor's reason in an error answer. The Current API documents `{response_code, response_message,
 * timestamp, developer_message, errors}`; v1 prints no error body, so its reason is also looked for under
 * `message`, `error_description` and `error`. `response_code` is opaque: logged, never interpreted.
 */
export const errorBodySchema = z
  .object({
    response_code: z.union([z.string(), z.number()]).transform(String).optional(),
    response_message: z.string().optional(),
    message: z.string().optional(),
    error_description: z.string().optional(),
    error: z.string().optional(),
  })
  .transform((body) => ({
    code: body.response_code,
    reason: body.response_message ?? body.message ?? body.error_description ?? body.error,
  }));

/** Reads an error answer's reason and code; both undefined when the body is not an object. */
export function readErrorBody(body: unknown): { code?: string; reason?: string } {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data : {};
}

const accountSchema = z.object({
  id: z.union([z.number().int(), z.string().min(1)]).transform(String),
  balance: z.unknown().optional(),
  currency: z.string().nullish(),
});

/**
 * Debit accounts: `GET /v1/accounts` (v1) or `accounts[]` of `GET /auth/me` (Current API). No document prints
 * either answer, so a bare array, `{data: [...]}` and `{accounts: [...]}` are all read (and `{data: {accounts}}`).
 */
export const accountsSchema = z.union([
  z.array(accountSchema),
  z.object({ data: z.array(accountSchema) }).transform((body) => body.data),
  z.object({ accounts: z.array(accountSchema) }).transform((body) => body.accounts),
  z.object({ data: z.object({ accounts: z.array(accountSchema) }) }).transform((body) => body.data.accounts),
]);

export type VendorAccount = z.output<typeof accountSchema>;

/** A vendor id or reference that may be printed as a number or a string. */
export const identifier = z.union([z.string().min(1), z.number()]).transform(String);

/** The debit account id as the documents' field tables type it: an integer whenever it reads as one. */
export function accountIdForWire(accountId: string): number | string {
  return /^\d{1,15}$/.test(accountId) ? Number(accountId) : accountId;
}

/** Which fields of a vendor body were missing or of the wrong type, for one log line (never their values). */
export function missingFields(error: z.ZodError): string {
  return [...new Set(error.issues.map((issue) => issue.path.join(".") || "body"))].join(", ");
}

/** Airtime lands on the SIM; every other ScratchPower product is a token the customer keys in. */
export function issuesToken(productType: string): boolean {
  return productType !== "AIRTIME";
}

/**
 * The Transaction envelope of a confirm or retry, on either API: `status`, `id`, `reference`, the token at
 * `product.token` (v1) or top-level `token` (the getting-started excerpt, the Current API), units at
 * `product.units` or `electricity_units`, and `metadata.provider_transaction_identifier`. Money is not read:
 * nothing about a sale is decided from it.
 */
const saleEnvelopeSchema = z.object({
  status: z.string(),
  id: identifier.nullish(),
  reference: z.string().nullish(),
  subscriber_identifier: z.string().nullish(),
  meter_number: z.string().nullish(),
  product: z
    .object({ token: z.string().nullish(), units: z.union([z.string(), z.number()]).nullish() })
    .nullish(),
  token: z.string().nullish(),
  electricity_units: z.union([z.string(), z.number()]).nullish(),
  metadata: z.object({ provider_transaction_identifier: identifier.nullish() }).nullish(),
});

/** What a confirm or retry answer says about the purchase. */
export type SaleReading =
  | { kind: "sold"; sale: Sale }
  /** The vendor says it did not sell (`FAILED`). */
  | { kind: "failed" }
  /** Not an answer we may act on (pending, unreadable, token missing): only retry can settle it. */
  | { kind: "unknown"; detail: string };

/**
 * A sale is `SUCCESSFUL` about this subscriber, with a token whenever the product issues one: a token-issuing
 * sale without its token delivers nothing, so it stays unknown (never an "airtime sent" message).
 */
export function readSale(body: unknown, request: PurchaseRequest): SaleReading {
  const parsed = saleEnvelopeSchema.safeParse(body);
  if (!parsed.success) {
    return { kind: "unknown", detail: `unreadable body (${missingFields(parsed.error)})` };
  }
  const data = parsed.data;
  if (data.status === "FAILED") return { kind: "failed" };
  if (data.status !== "SUCCESSFUL") return { kind: "unknown", detail: `status ${data.status}` };
  const subscriber = data.subscriber_identifier ?? data.meter_number;
  if (subscriber && subscriber !== request.subscriberId)
    return { kind: "unknown", detail: "another subscriber" };
  const token = (data.product?.token ?? data.token ?? "").trim();
  if (issuesToken(request.productType) && !token)
    return { kind: "unknown", detail: "SUCCESSFUL without token" };
  const units = unitsText(data.product?.units ?? data.electricity_units);
  const providerReference = data.metadata?.provider_transaction_identifier;
  return {
    kind: "sold",
    sale: {
      ...(data.id ? { vendorTransactionId: data.id } : {}),
      ...(data.reference ? { vendorReference: data.reference } : {}),
      ...(providerReference ? { providerReference } : {}),
      ...(token ? { token } : {}),
      ...(units ? { units } : {}),
    },
  };
}
