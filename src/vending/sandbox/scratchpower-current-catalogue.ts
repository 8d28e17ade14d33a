// What the built-in ScratchPower Current API sandbox sells and how it judges a top-up (wire shapes in
// scratchpower-current.ts). The meters are ScratchPower v1's electricity test meters, so journey suites can
// run against either API with the same numbers, plus one meter only the Current API needs: a "successful"
// confirm without a token. Pure functions: the HTTP layer only routes, counts and hangs.

import { z } from "zod";
import { formatCents, toCents } from "../cents.js";
import {
  type ConfirmBehaviour,
  electricityUnits,
  SANDBOX_CHARGE_CENTS,
  SANDBOX_SUBSCRIBERS,
  type SandboxSubscriber,
} from "./scratchpower-v1-catalogue.js";

export const CURRENT_SANDBOX_CURRENCY = "BWP";
export const CURRENT_SANDBOX_UTILITY = "BPC";
const CHARGE_CENTS = SANDBOX_CHARGE_CENTS.ELECTRICITY;
const MIN_AMOUNT_CENTS = 100;
const MAX_AMOUNT_CENTS = 1_000_000;

export interface CurrentSandboxMeter extends Omit<SandboxSubscriber, "confirm"> {
  /**
   * `succeed-without-token`: confirm answers "00" with `token: null` (the utility issued none and the vendor
   * reversed the debit); retry then answers 05 "failed, not charged".
   */
  confirm: ConfirmBehaviour | "succeed-without-token";
}

/** Test meters by meter number. Other well-formed meters answer 14 "not found". */
export const CURRENT_SANDBOX_METERS: Readonly<Record<string, CurrentSandboxMeter>> = {
  ...SANDBOX_SUBSCRIBERS.ELECTRICITY,
  "04040404055": { name: "Boitumelo Tau", confirm: "succeed-without-token" },
};

/** A non-success answer: `response_code` and the human message the client shows. */
export interface Refusal {
  code: string;
  message: string;
  developerMessage?: string;
  errors?: { field: string; message: string }[];
}

/** Absent notification flags mean "notify": the vendor's default, which our client must switch off. */
const notificationFlags = {
  send_sms_notification: z.boolean().optional(),
  send_email_notification: z.boolean().optional(),
  notify_beneficiary: z.boolean().optional(),
};

export const topupPayloadSchema = z.object({
  source_channel: z.enum(["USSD", "SMS_MO", "WEB", "POS", "API"]),
  language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, "must be a language tag like en-BW"),
  meter_number: z.string().regex(/^[0-9]{11}$/, "must be 11 digits"),
  amount: z.union([
    z.string().regex(/^\d{1,9}(\.\d{1,2})?$/, "must be a decimal amount with at most 2 decimals"),
    z.number().nonnegative(),
  ]),
  currency: z.string().length(3),
  debited_account_id: z.string().min(1),
  beneficiary_phone_number: z.string().regex(/^[1-9]\d{7,14}$/, "must be E.164 digits without +"),
  charges_on_top_flag: z.boolean(),
  comment: z.string().max(140).optional(),
  external_reference: z.string().regex(/^[A-Za-z0-9._:-]{1,100}$/, "must be 1-100 letters, digits or ._:-"),
  ...notificationFlags,
});

export type TopupPayload = z.infer<typeof topupPayloadSchema>;

export const retryPayloadSchema = z.object({
  source_channel: z.string().min(1),
  language: z.string().min(1),
  meter_number: z.string().min(1),
  external_reference: z.string().min(1),
  ...notificationFlags,
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

/** Malformed payloads answer 12 (with `errors[]`); well-formed ones the vendor will not sell say why. */
export function checkTopup(body: unknown, accountId: string): TopupCheck {
  const parsed = topupPayloadSchema.safeParse(body);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({
      field: issue.path.join(".") || "body",
      message: issue.message,
    }));
    const first = errors[0];
    return refuse("12", first ? `Invalid ${first.field}: ${first.message}` : "Invalid request.", errors);
  }
  const payload = parsed.data;
  if (payload.currency !== CURRENT_SANDBOX_CURRENCY) {
    return refuse("12", `Currency ${payload.currency} is not supported.`, [
      { field: "currency", message: "unsupported" },
    ]);
  }
  if (payload.debited_account_id !== accountId) {
    return refuse("12", "The debited account does not exist.", [
      { field: "debited_account_id", message: "unknown account" },
    ]);
  }
  const amountCents = toCents(payload.amount);
  if (amountCents === undefined || amountCents < MIN_AMOUNT_CENTS || amountCents > MAX_AMOUNT_CENTS) {
    const range = `${formatCents(MIN_AMOUNT_CENTS)} and ${formatCents(MAX_AMOUNT_CENTS)}`;
    return refuse("61", `Amount must be between ${CURRENT_SANDBOX_CURRENCY} ${range}.`);
  }
  const meter = CURRENT_SANDBOX_METERS[payload.meter_number];
  if (!meter) return refuse("14", `Meter ${payload.meter_number} not found. Check the number.`);
  if (meter.blockedMessage) return refuse("15", meter.blockedMessage, undefined, "meter_status=BLOCKED");
  const onTop = payload.charges_on_top_flag;
  const netCents = onTop ? amountCents : amountCents - CHARGE_CENTS;
  if (netCents <= 0) return refuse("61", "Amount does not cover the service charge.");
  const totalCents = onTop ? amountCents + CHARGE_CENTS : amountCents;
  return {
    ok: true,
    topup: { payload, meter, amountCents, chargeCents: CHARGE_CENTS, netCents, totalCents },
  };
}

function refuse(
  code: string,
  message: string,
  errors?: Refusal["errors"],
  developerMessage?: string,
): TopupCheck {
  return {
    ok: false,
    refusal: {
      code,
      message,
      ...(errors ? { errors } : {}),
      ...(developerMessage ? { developerMessage } : {}),
    },
  };
}

/** The validate success body; confirm and retry add the sale's fields (see `saleBody`). */
export function validatedBody(topup: PricedTopup) {
  const { payload, meter } = topup;
  return {
    response_code: "00",
    response_message: "Meter validated.",
    timestamp: new Date().toISOString(),
    external_reference: payload.external_reference,
    meter_number: payload.meter_number,
    meter_details: {
      customer_name: meter.name,
      address: "Gaborone",
      tariff: "DOMESTIC",
      utility: CURRENT_SANDBOX_UTILITY,
      meter_type: "STS",
    },
    amount: formatCents(topup.amountCents),
    charge: formatCents(topup.chargeCents),
    net: formatCents(topup.netCents),
    total: formatCents(topup.totalCents),
    currency: CURRENT_SANDBOX_CURRENCY,
  };
}

let referenceCounter = 0;

/** A confirm success: top-level `token` (bare or `|`-separated, vendor order) and `electricity_units` (kWh). */
export function saleBody(topup: PricedTopup, withToken = true) {
  referenceCounter += 1;
  const units = topup.meter.units ?? electricityUnits(topup.netCents).replace(/ kWh$/, "");
  return {
    ...validatedBody(topup),
    response_message: "Transaction successful.",
    transaction_reference: `SPC${Date.now().toString(36).toUpperCase()}${String(referenceCounter).padStart(6, "0")}`,
    receipt_number: `R${Date.now()}`,
    token: withToken ? (topup.meter.token ?? null) : null,
    electricity_units: withToken ? units : null,
  };
}
