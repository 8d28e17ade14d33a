// What the built-in ScratchPower Current API sandbox sells and how it judges a top-up, with the request
// fields and answer shapes of ../shared/vendor-docs/scratchpower-current-api-topup.txt. The meters are ScratchPower v1's electricity test meters, so journey suites can
// run against either API with the same numbers, plus one meter only the Current API needs: a "successful"
// confirm without a token. Pure functions: the HTTP layer only routes, counts and hangs.

import { z } from "zod";
import { formatCents, toCents } from "../../../machines/purchase/money.js";
import {
  type ConfirmBehaviour,
  electricityUnits,
  SANDBOX_CHARGE_CENTS,
  SANDBOX_SUBSCRIBERS,
  type SandboxSubscriber,
} from "./scratchpower-v1-catalogue.js";
import {
  nextOperation,
  priceFields,
  SANDBOX_DEALER,
  saleBreakdown,
  sandboxBeneficiary,
} from "./scratchpower-v1-purchase.js";

export const CURRENT_SANDBOX_CURRENCY = "BWP";
export const CURRENT_SANDBOX_UTILITY = "BPC";
const CHARGE_CENTS = SANDBOX_CHARGE_CENTS.ELECTRICITY;
const MIN_AMOUNT_CENTS = 100;
const MAX_AMOUNT_CENTS = 1_000_000;

export interface CurrentSandboxMeter extends Omit<SandboxSubscriber, "confirm"> {
  /**
   * `succeed-without-token`: confirm answers a success body without a token (the utility issued none and the
   * vendor reversed the debit); retry then answers an error body: failed, not charged.
   */
  confirm: ConfirmBehaviour | "succeed-without-token";
}

/** Test meters by meter number. Other well-formed meters answer an "810" error body: not found. */
export const CURRENT_SANDBOX_METERS: Readonly<Record<string, CurrentSandboxMeter>> = {
  ...SANDBOX_SUBSCRIBERS.ELECTRICITY,
  // The blocked meter answers the document's own 810 message.
  "04040404011": {
    name: "Blocked Meter",
    confirm: "succeed",
    blockedMessage:
      "Electricity recharge validation failed: 500 - Your meter number has been blocked and cannot purchase electricity. Please contact BPC.",
  },
  "04040404055": { name: "Boitumelo Tau", confirm: "succeed-without-token" },
};

/**
 * A non-success answer, sent as the document's HTTP-200 error body. `code` is opaque, as the document shows
 * only "810" (a validation failure); the sandbox uses "810" for every validate refusal and a few other
 * numbers of its own for confirm and retry failures.
 */
export interface Refusal {
  code: string;
  message: string;
}

/** The documented notification flags; absent means the vendor may notify, which our client must switch off. */
const notificationFlags = {
  send_requester_sms: z.boolean().optional(),
  send_beneficiary_sms: z.boolean().optional(),
  send_requester_email: z.boolean().optional(),
  send_beneficiary_email: z.boolean().optional(),
};

/** `date` as the document's example prints it: "2024-06-18 04:10:59". */
const wireDate = z.string().regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/, "must be YYYY-MM-DD HH:mm:ss");

/** The document's request fields with their types: numbers as numbers, the account an integer. */
export const topupPayloadSchema = z.object({
  source_channel: z.enum(["WEB", "SMART_APP", "USSD", "SMS_MO", "BATCH"]),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag like en-BW"),
  source_tag: z.string().optional(),
  meter_number: z.string().regex(/^([0-9]{11}|[0-9]{13})$/, "must be 11 or 13 digits"),
  amount: z.number().positive(),
  currency: z.string().length(3),
  date: wireDate.optional(),
  debited_account_id: z.number().int(),
  beneficiary_phone_number: z.string().regex(/^[1-9]\d{7,14}$/, "must be E.164 digits without +"),
  charges_on_top_flag: z.boolean().default(true),
  comment: z.string().max(140).optional(),
  external_reference: z.string().min(1).max(100),
  hard_validate: z.boolean().optional(),
  ...notificationFlags,
});

export type TopupPayload = z.infer<typeof topupPayloadSchema>;

export const retryPayloadSchema = z.object({
  date: wireDate.optional(),
  external_reference: z.string().min(1),
  language: z.string().min(1),
  meter_number: z.string().min(1),
  source_channel: z.string().min(1),
  source_tag: z.string().optional(),
});

/** Whether a request asked the vendor to notify anyone (any flag true or left out). */
export function asksToNotify(body: unknown): boolean {
  const flags = (body ?? {}) as Record<string, unknown>;
  return Object.keys(notificationFlags).some((flag) => flags[flag] !== false);
}

export interface PricedTopup {
  payload: TopupPayload;
  meter: CurrentSandboxMeter;
  amountCents: number;
  chargeCents: number;
  netCents: number;
  totalCents: number;
}

export type TopupCheck = { ok: true; topup: PricedTopup } | { ok: false; refusal: Refusal };

/** Every refusal is an HTTP-200 error body; validation failures carry the documented code "810". */
export function checkTopup(body: unknown, accountId: number): TopupCheck {
  const parsed = topupPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return refuse(
      "400",
      `Invalid ${first?.path.join(".") || "body"}: ${first?.message ?? "invalid request"}`,
    );
  }
  const payload = parsed.data;
  if (payload.currency !== CURRENT_SANDBOX_CURRENCY) {
    return refuse("400", `Currency ${payload.currency} is not supported.`);
  }
  if (payload.debited_account_id !== accountId) return refuse("400", "The debited account does not exist.");
  const amountCents = toCents(payload.amount.toFixed(2));
  if (amountCents === undefined || amountCents < MIN_AMOUNT_CENTS || amountCents > MAX_AMOUNT_CENTS) {
    const range = `${formatCents(MIN_AMOUNT_CENTS)} and ${formatCents(MAX_AMOUNT_CENTS)}`;
    return refuse("810", `Electricity recharge validation failed: amount must be between BWP ${range}.`);
  }
  const meter = CURRENT_SANDBOX_METERS[payload.meter_number];
  if (!meter) {
    return refuse(
      "810",
      `Electricity recharge validation failed: 404 - Meter ${payload.meter_number} not found.`,
    );
  }
  if (meter.blockedMessage) return refuse("810", meter.blockedMessage);
  const onTop = payload.charges_on_top_flag;
  const netCents = onTop ? amountCents : amountCents - CHARGE_CENTS;
  if (netCents <= 0) return refuse("810", "Electricity recharge validation failed: amount below the charge.");
  const totalCents = onTop ? amountCents + CHARGE_CENTS : amountCents;
  return {
    ok: true,
    topup: { payload, meter, amountCents, chargeCents: CHARGE_CENTS, netCents, totalCents },
  };
}

function refuse(code: string, message: string): TopupCheck {
  return { ok: false, refusal: { code, message } };
}

/** The validate success of the document: a body without `response_code`, `meter_details` the name. */
export function validatedBody(topup: PricedTopup) {
  const { payload, meter } = topup;
  return {
    id: nextOperation().id,
    channel: payload.source_channel,
    status: "ON_GOING",
    type: "TOPUP",
    operator: SANDBOX_DEALER,
    requester: SANDBOX_DEALER,
    payer: {},
    beneficiary: sandboxBeneficiary(payload.beneficiary_phone_number, true),
    ...priceFields(topup),
    meter_number: payload.meter_number,
    meter_details: meter.name,
    metadata: {},
  };
}

/**
 * The confirm success of the document: top-level `token` (bare, or `Description: Token` pairs joined by `|`
 * in the order to enter them) and `electricity_units` ("191.7kWh"); `withToken` false leaves both out.
 */
export function saleBody(topup: PricedTopup, withToken = true) {
  const { payload, meter } = topup;
  const operation = nextOperation();
  return {
    id: operation.id,
    channel: payload.source_channel,
    status: "SUCCESSFUL",
    type: "TOPUP",
    reference: operation.reference,
    ...priceFields(topup),
    ...(withToken && meter.token ? { token: meter.token } : {}),
    meter_number: payload.meter_number,
    ...(withToken ? { electricity_units: meter.units ?? electricityUnits(topup.netCents, false) } : {}),
    meter_details: meter.name,
    metadata: saleBreakdown(topup.netCents, topup.chargeCents, "provider_meter_details"),
  };
}
