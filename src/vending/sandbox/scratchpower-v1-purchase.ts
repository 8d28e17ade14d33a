// The sandbox's purchase rules: checks a validate/confirm payload and prices it, as ScratchPower v1 would.
// Pure functions over the catalogue, so the HTTP layer only routes, counts and hangs.

import { z } from "zod";
import { formatCents, toCents } from "../cents.js";
import {
  electricityUnits,
  SANDBOX_CHARGE_CENTS,
  SANDBOX_PRODUCTS,
  SANDBOX_SUBSCRIBERS,
  type SandboxProduct,
  type SandboxSubscriber,
} from "./scratchpower-v1-catalogue.js";

export const SANDBOX_CURRENCY = "BWP";
const MIN_AMOUNT_CENTS = 100;
const MAX_AMOUNT_CENTS = 1_000_000;

const decimalAmount = z.union([
  z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, "must be a decimal amount with at most 2 decimals"),
  z.number().nonnegative(),
]);

export const purchasePayloadSchema = z.object({
  source_channel: z.enum(["USSD", "SMS", "WEB", "MOBILE", "API"]),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag like en-BW"),
  product_type: z.string().min(1),
  provider_code: z.string().min(1),
  debited_account_id: z.string().min(1),
  beneficiary_phone_number: z.string().regex(/^[1-9]\d{7,14}$/, "must be E.164 digits without +"),
  subscriber_identifier: z.string().min(1).max(32),
  amount: decimalAmount,
  currency: z.string().length(3),
  charges_on_top_flag: z.boolean(),
  comment: z.string().max(140).optional(),
  external_reference: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "must be 1-100 letters, digits or ._:-"),
});

export type PurchasePayload = z.infer<typeof purchasePayloadSchema>;

export const retryPayloadSchema = z.object({
  source_channel: z.string().min(1),
  language: z.string().min(1),
  subscriber_identifier: z.string().min(1),
  external_reference: z.string().min(1),
});

/** A vendor refusal: HTTP status, machine code and the human message the client shows. */
export interface SandboxRefusal {
  status: number;
  code: string;
  message: string;
  errors?: { field: string; message: string }[];
}

export interface PricedPurchase {
  payload: PurchasePayload;
  product: SandboxProduct;
  /** Undefined for airtime: any well-formed number is a valid subscriber. */
  subscriber?: SandboxSubscriber;
  amountCents: number;
  chargeCents: number;
  netCents: number;
  totalCents: number;
}

export type PurchaseCheck = { ok: true; purchase: PricedPurchase } | { ok: false; refusal: SandboxRefusal };

function refuse(status: number, code: string, message: string): PurchaseCheck {
  return { ok: false, refusal: { status, code, message } };
}

/** Malformed payloads answer 400; well-formed ones the vendor will not sell answer 422. */
export function checkPurchase(body: unknown, accountId: string): PurchaseCheck {
  const parsed = purchasePayloadSchema.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: issue.path.join(".") || "body",
      message: issue.message,
    }));
    const first = errors[0];
    return {
      ok: false,
      refusal: {
        status: 400,
        code: "VALIDATION_ERROR",
        message: first ? `Invalid ${first.field}: ${first.message}` : "Invalid request",
        errors,
      },
    };
  }
  const payload = parsed.data;
  const product = SANDBOX_PRODUCTS.find((candidate) => candidate.product_type === payload.product_type);
  if (!product) return refuse(422, "UNKNOWN_PRODUCT", `Product ${payload.product_type} is not available.`);
  if (!product.providers.some((provider) => provider.code === payload.provider_code)) {
    return refuse(
      422,
      "UNKNOWN_PROVIDER",
      `Provider ${payload.provider_code} does not sell ${product.display_name}.`,
    );
  }
  if (payload.currency !== SANDBOX_CURRENCY) {
    return refuse(422, "UNSUPPORTED_CURRENCY", `Currency ${payload.currency} is not supported.`);
  }
  if (payload.debited_account_id !== accountId) {
    return refuse(422, "UNKNOWN_ACCOUNT", "The debited account does not exist.");
  }
  const id = payload.subscriber_identifier;
  if (
    id.length < product.subscriber_id_min_length ||
    id.length > product.subscriber_id_max_length ||
    !new RegExp(product.subscriber_id_pattern).test(id)
  ) {
    return refuse(422, "INVALID_SUBSCRIBER", `Invalid ${product.subscriber_id_label.toLowerCase()}.`);
  }
  const amountCents = toCents(payload.amount);
  if (amountCents === undefined || amountCents < MIN_AMOUNT_CENTS || amountCents > MAX_AMOUNT_CENTS) {
    return refuse(
      422,
      "INVALID_AMOUNT",
      `Amount must be between ${SANDBOX_CURRENCY} ${formatCents(MIN_AMOUNT_CENTS)} and ${formatCents(MAX_AMOUNT_CENTS)}.`,
    );
  }
  let subscriber: SandboxSubscriber | undefined;
  if (product.product_type !== "AIRTIME") {
    subscriber = SANDBOX_SUBSCRIBERS[product.product_type][id];
    if (!subscriber) return refuse(422, "SUBSCRIBER_NOT_FOUND", `Meter ${id} not found. Check the number.`);
    if (subscriber.blockedMessage) return refuse(422, "SUBSCRIBER_BLOCKED", subscriber.blockedMessage);
  }
  const chargeCents = SANDBOX_CHARGE_CENTS[product.product_type];
  const onTop = payload.charges_on_top_flag;
  const netCents = onTop ? amountCents : amountCents - chargeCents;
  if (netCents <= 0) return refuse(422, "INVALID_AMOUNT", "Amount does not cover the service charge.");
  const totalCents = onTop ? amountCents + chargeCents : amountCents;
  return {
    ok: true,
    purchase: { payload, product, subscriber, amountCents, chargeCents, netCents, totalCents },
  };
}

/** Validate answers VALIDATED; a confirm that sold answers SUCCESSFUL (failures are error bodies). */
export type TransactionStatus = "VALIDATED" | "SUCCESSFUL";

/** The "Transaction envelope" body: `{ data: <this> }`. */
export interface TransactionData {
  status: TransactionStatus;
  external_reference: string;
  reference: string;
  product_type: string;
  provider_code: string;
  subscriber_identifier: string;
  subscriber_details: { name: string } | null;
  amount: string;
  charge: string;
  net: string;
  total: string;
  currency: string;
  product: { token: string | null; units: string | null } | null;
  metadata: Record<string, string | number>;
  created_at: string;
}

let referenceCounter = 0;

function vendorReference(): string {
  referenceCounter += 1;
  return `SP${Date.now().toString(36).toUpperCase()}${String(referenceCounter).padStart(6, "0")}`;
}

/** Builds the envelope; a SUCCESSFUL one carries the token/units the sale delivered. */
export function transactionData(purchase: PricedPurchase, status: TransactionStatus): TransactionData {
  const { payload, product, subscriber } = purchase;
  const sold = status === "SUCCESSFUL";
  let delivered: TransactionData["product"] = null;
  if (sold && product.product_type !== "AIRTIME") {
    const units =
      subscriber?.units ??
      (product.product_type === "ELECTRICITY" ? electricityUnits(purchase.netCents) : null);
    delivered = { token: subscriber?.token ?? null, units };
  }
  const tokenCount = delivered?.token ? delivered.token.split("|").length : 0;
  return {
    status,
    external_reference: payload.external_reference,
    reference: vendorReference(),
    product_type: product.product_type,
    provider_code: payload.provider_code,
    subscriber_identifier: payload.subscriber_identifier,
    subscriber_details: subscriber ? { name: subscriber.name } : null,
    amount: formatCents(purchase.amountCents),
    charge: formatCents(purchase.chargeCents),
    net: formatCents(purchase.netCents),
    total: formatCents(purchase.totalCents),
    currency: SANDBOX_CURRENCY,
    product: delivered,
    metadata: sold ? { receipt_number: `R${Date.now()}`, token_count: tokenCount } : {},
    created_at: new Date().toISOString(),
  };
}
