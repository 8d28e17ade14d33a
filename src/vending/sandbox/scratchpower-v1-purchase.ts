// The sandbox's purchase rules: checks a validate/confirm payload against the field table of
// ../shared/vendor-docs/scratchpower-v1-purchases.txt and prices it, answering the documented flat
// Transaction envelope. Pure functions over the catalogue, so the HTTP layer only routes, counts and hangs.

import { z } from "zod";
import { formatCents, toCents } from "../../../machines/purchase/money.js";
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

/** The request fields of the document's table, with its types: `amount` a number, the account an integer. */
export const purchasePayloadSchema = z.object({
  source_channel: z.enum(["WEB", "SMART_APP", "USSD", "BATCH", "POS"]),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag like en-BW"),
  product_type: z.string().min(1),
  provider_code: z.string().min(1),
  debited_account_id: z.number().int(),
  beneficiary_phone_number: z.string().regex(/^[1-9]\d{7,14}$/, "must be E.164 digits without +"),
  subscriber_identifier: z.string().min(1).max(32),
  amount: z.number().positive(),
  currency: z.string().length(3),
  charges_on_top_flag: z.boolean().default(true),
  comment: z.string().max(140).optional(),
  external_reference: z.string().min(1).max(100).optional(),
});

export type PurchasePayload = z.infer<typeof purchasePayloadSchema>;

export const retryPayloadSchema = z.object({
  source_channel: z.enum(["WEB", "SMART_APP", "USSD", "BATCH", "POS"]),
  language: z.string().min(1),
  subscriber_identifier: z.string().min(1),
  external_reference: z.string().min(1),
});

/** A vendor refusal: HTTP status, machine code and the human message the client shows. */
export interface SandboxRefusal {
  status: number;
  code: string;
  message: string;
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

/** Every refusal is a 400-class answer (v1 documents no finer split): malformed or not sellable. */
export function checkPurchase(body: unknown, accountId: number): PurchaseCheck {
  const parsed = purchasePayloadSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const field = first?.path.join(".") || "body";
    return refuse(400, "VALIDATION_ERROR", `Invalid ${field}: ${first?.message ?? "invalid request"}`);
  }
  const payload = parsed.data;
  const product = SANDBOX_PRODUCTS.find((candidate) => candidate.product_type === payload.product_type);
  if (!product) return refuse(400, "UNKNOWN_PRODUCT", `Product ${payload.product_type} is not available.`);
  if (!product.providers.some((provider) => provider.code === payload.provider_code)) {
    return refuse(
      400,
      "UNKNOWN_PROVIDER",
      `Provider ${payload.provider_code} does not sell ${product.display_name}.`,
    );
  }
  if (payload.currency !== SANDBOX_CURRENCY) {
    return refuse(400, "UNSUPPORTED_CURRENCY", `Currency ${payload.currency} is not supported.`);
  }
  if (payload.debited_account_id !== accountId) {
    return refuse(400, "UNKNOWN_ACCOUNT", "The debited account does not exist.");
  }
  const id = payload.subscriber_identifier;
  if (
    id.length < product.subscriber_id_min_length ||
    id.length > product.subscriber_id_max_length ||
    !new RegExp(product.subscriber_id_pattern).test(id)
  ) {
    return refuse(400, "INVALID_SUBSCRIBER", `Invalid ${product.subscriber_id_label.toLowerCase()}.`);
  }
  const amountCents = toCents(payload.amount.toFixed(2));
  if (amountCents === undefined || amountCents < MIN_AMOUNT_CENTS || amountCents > MAX_AMOUNT_CENTS) {
    return refuse(
      400,
      "INVALID_AMOUNT",
      `Amount must be between ${SANDBOX_CURRENCY} ${formatCents(MIN_AMOUNT_CENTS)} and ${formatCents(MAX_AMOUNT_CENTS)}.`,
    );
  }
  let subscriber: SandboxSubscriber | undefined;
  if (product.product_type !== "AIRTIME") {
    subscriber = SANDBOX_SUBSCRIBERS[product.product_type][id];
    if (!subscriber) return refuse(400, "SUBSCRIBER_NOT_FOUND", `Meter ${id} not found. Check the number.`);
    if (subscriber.blockedMessage) return refuse(400, "SUBSCRIBER_BLOCKED", subscriber.blockedMessage);
  }
  const chargeCents = SANDBOX_CHARGE_CENTS[product.product_type];
  const onTop = payload.charges_on_top_flag;
  const netCents = onTop ? amountCents : amountCents - chargeCents;
  if (netCents <= 0) return refuse(400, "INVALID_AMOUNT", "Amount does not cover the service charge.");
  const totalCents = onTop ? amountCents + chargeCents : amountCents;
  return {
    ok: true,
    purchase: { payload, product, subscriber, amountCents, chargeCents, netCents, totalCents },
  };
}

/** ON_GOING on validate; a confirm or retry answers SUCCESSFUL, PENDING or FAILED. */
export type TransactionStatus = "ON_GOING" | "SUCCESSFUL" | "PENDING" | "FAILED";

/** The document's flat Transaction envelope (keys and types of its validate and confirm examples). */
export type TransactionEnvelope = Record<string, unknown> & { status: TransactionStatus; reference: string };

let operationCounter = 1871610000;

/** The next operation's `id` and `reference` ("TOP/2026/05/1871610006"), shared by both ScratchPower sandboxes. */
export function nextOperation(now = new Date()): { id: number; reference: string } {
  operationCounter += 1;
  const month = String(now.getUTCMonth() + 1).padStart(2, "0");
  return {
    id: operationCounter - 1871610000,
    reference: `TOP/${now.getUTCFullYear()}/${month}/${operationCounter}`,
  };
}

/** The money fields of an envelope, as the documents print them ("BWP 103.00"). */
export function priceFields(price: {
  amountCents: number;
  chargeCents: number;
  netCents: number;
  totalCents: number;
}) {
  return {
    total: sandboxMoney(price.totalCents),
    net: sandboxMoney(price.netCents),
    charge: sandboxMoney(price.chargeCents),
    commission: sandboxMoney(0),
    entry: sandboxMoney(price.amountCents),
  };
}

/**
 * A sale's `metadata`: the provider's cost breakdown and its transaction identifier. The documents name the
 * meter line `provider_subscriber_details` (v1) or `provider_meter_details` (Current API).
 */
export function saleBreakdown(netCents: number, chargeCents: number, detailsKey: string) {
  const vatCents = Math.round((netCents * 14) / 114);
  return {
    vat: sandboxMoney(vatCents),
    levy: sandboxMoney(0),
    regulatory_fee: sandboxMoney(0),
    charge: sandboxMoney(chargeCents),
    cost: sandboxMoney(netCents - vatCents),
    [detailsKey]: "SGC: 901047, TI: 1, KRN: 2",
    provider_transaction_identifier: String(operationCounter % 100_000),
  };
}

/** `"2026-05-09 19:53:30"`, as the document prints `date`. */
function envelopeDate(at: Date): string {
  return at.toISOString().slice(0, 19).replace("T", " ");
}

/** A money string as the documents print them: "BWP 103.00". */
export const sandboxMoney = (cents: number) => `${SANDBOX_CURRENCY} ${formatCents(cents)}`;

/** The `beneficiary` of the documents' envelopes (the Current API's also prints an empty `address`). */
export function sandboxBeneficiary(phone: string, withAddress = false) {
  return {
    id: 13,
    full_name: phone,
    phone_number: phone,
    ...(withAddress ? { address: "" } : {}),
    status: "ACTIVE",
  };
}

/** The `operator` / `requester` of the documents' envelopes. */
export const SANDBOX_DEALER = {
  id: 6,
  full_name: "Sandbox Dealer",
  phone_number: "26770000006",
  username: "dealer",
  status: "ACTIVE",
};

/**
 * Builds the envelope. Validate (`ON_GOING`) carries the quote and the verified name; a `SUCCESSFUL` sale of a
 * token product adds `product.token` and `product.units`, and `metadata` the provider's breakdown.
 */
export function transactionEnvelope(
  purchase: PricedPurchase,
  status: TransactionStatus,
): TransactionEnvelope {
  const { payload, product, subscriber } = purchase;
  const now = new Date();
  const operation = nextOperation(now);
  const sold = status === "SUCCESSFUL";
  const productBlock: Record<string, string> = {
    type: product.product_type,
    provider: payload.provider_code,
  };
  if (sold && product.product_type !== "AIRTIME" && subscriber?.token) {
    productBlock.token = subscriber.token;
    productBlock.units =
      subscriber.units ?? (product.product_type === "ELECTRICITY" ? electricityUnits(purchase.netCents) : "");
  }
  const metadata = sold
    ? product.product_type === "AIRTIME"
      ? { provider_transaction_identifier: `AT-${operation.id}` }
      : saleBreakdown(purchase.netCents, 0, "provider_subscriber_details")
    : {};
  return {
    id: operation.id,
    channel: payload.source_channel,
    date: envelopeDate(now),
    status,
    type: "TOPUP",
    reference: operation.reference,
    operator: SANDBOX_DEALER,
    requester: SANDBOX_DEALER,
    payer: {},
    beneficiary: sandboxBeneficiary(payload.beneficiary_phone_number),
    ...priceFields(purchase),
    subscriber_identifier: payload.subscriber_identifier,
    ...(subscriber ? { subscriber_details: subscriber.name } : {}),
    product: productBlock,
    metadata,
  };
}
