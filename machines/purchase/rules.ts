// The purchase's domain: the types the journey, the purchase service and the vendor port share, and the
// rules every channel applies to what a customer types (USSD and SMS accept exactly the same input).
import { formatCents, toCents } from "./money.js";

/** A product line the vendor sells, trimmed to what a journey needs. */
export interface Product {
  /** Vendor's product type, e.g. `ELECTRICITY`, `AIRTIME`, `WATER`: the reference a journey keeps. */
  type: string;
  /** Name shown on the menu, e.g. "Electricity". */
  name: string;
  subscriberLabel: string;
  subscriberMinLength: number;
  subscriberMaxLength: number;
  /** Regular expression source the identifier must match in full; empty string when the vendor gives none. */
  subscriberPattern: string;
  subscriberHint: string;
  providers: { code: string; name: string }[];
  /** Whether a purchase yields a token the customer must key in (electricity, water) or not (airtime). */
  issuesToken: boolean;
  /** Whether the subscriber identifier is a phone number (airtime), so "my number" can be offered. */
  subscriberIsPhone: boolean;
}

/** A quote as the customer sees it; amounts are decimal strings ("100.00"). */
export interface QuotedPurchase {
  /** Our reference of the purchase (its `external_reference`). */
  reference: string;
  customerName?: string;
  amount: string;
  charge: string;
  total: string;
  currency: string;
}

/** A token as the customer keys it in, with the vendor's label when it gave one. */
export interface Token {
  description?: string;
  token: string;
}

/** What confirming a purchase came to. */
export type ConfirmOutcome =
  /** `tokens` in the vendor's order, which is the order to enter them. */
  | { status: "SUCCESSFUL"; reference: string; units?: string; tokenCount: number; tokens: Token[] }
  | { status: "FAILED"; reference: string; reason: string }
  | { status: "PENDING"; reference: string };

/** A journey's confirm outcome: also "not sent" when the purchase service refused before any buy. */
export type PurchaseOutcome = ConfirmOutcome | { status: "NOT_SENT" };

export type LastTokensOutcome = { found: true; reference: string } | { found: false };

/** Why a vendor call failed, as a cause: each channel picks the customer's words for it. */
export type VendorFailureCause =
  /** No answer within our deadline. */
  | "timeout"
  /** Connection refused, reset or unresolvable host. */
  | "network"
  /** The vendor answered 5xx. */
  | "server_error"
  /** The vendor answered 429. */
  | "busy"
  /** The vendor answered something we cannot read (not JSON, wrong shape). */
  | "bad_response"
  /** Our own credentials or session were refused: an operator problem, not the customer's. */
  | "login_failed"
  /** The vendor said no without a reason we can show. */
  | "declined"
  /** A buy or its recovery got no usable answer: the purchase may or may not have happened. */
  | "outcome_unknown"
  /** We were asked to send something the vendor cannot accept (e.g. an amount like "1.234"). */
  | "invalid_request"
  /** The operator's prepaid float at the vendor cannot cover the purchase: not the customer's money. */
  | "insufficient_funds"
  /** The amount is under the vendor's minimum for this subscriber (`minimum`, e.g. "NGN 1,000.00"). */
  | "below_minimum"
  /** The vendor does not know this subscriber (`label`, e.g. "Meter number"). */
  | "subscriber_not_found";

export interface VendorFailure {
  cause: VendorFailureCause;
  /** The vendor's own reason, made safe for a handset: shown as the vendor wrote it, in place of our words. */
  vendorReason?: string;
  minimum?: string;
  label?: string;
}

/** Why an input was refused; each channel puts it in the customer's words. */
export type Refusal =
  | { key: "invalidChoice" }
  | { key: "invalidSubscriber"; label: string }
  | { key: "ownNumberNotUsable" }
  | { key: "invalidAmount" | "amountOutOfRange"; currency: string; min: string; max: string }
  | { key: "invalidPhone" }
  /** The vendor refused it. */
  | { key: "vendor"; failure: VendorFailure };

/**
 * The identifier as the vendor wants it (phone products take the number read as E.164 digits), or why it is
 * refused.
 */
export function validateSubscriber(
  product: Product,
  raw: string,
  asPhone: string | null,
): string | { refusal: Refusal } {
  const candidate = product.subscriberIsPhone && asPhone ? asPhone : raw.replace(/[\s-]/g, "");
  // The prompt shows the hint again, so the refusal itself stays short.
  const refused = { refusal: { key: "invalidSubscriber" as const, label: product.subscriberLabel } };
  if (candidate.length < product.subscriberMinLength || candidate.length > product.subscriberMaxLength) {
    return refused;
  }
  if (!matchesPattern(product.subscriberPattern, candidate)) return refused;
  return candidate;
}

/** A vendor pattern that is not a valid regular expression is ignored: the vendor still validates on quote. */
function matchesPattern(pattern: string, candidate: string): boolean {
  if (!pattern) return true;
  try {
    return new RegExp(`^(?:${pattern})$`).test(candidate);
  } catch {
    return true;
  }
}

/** The amount as a 2-decimal string within the limits, or why it is refused. */
export function validateAmount(
  raw: string,
  limits: { minAmount: string; maxAmount: string; currency: string },
): string | { refusal: Refusal } {
  const cents = toCents(raw);
  const min = toCents(limits.minAmount) ?? 1;
  const max = toCents(limits.maxAmount) ?? Number.MAX_SAFE_INTEGER;
  const range = { currency: limits.currency, min: formatCents(min), max: formatCents(max) };
  if (cents === undefined || cents <= 0) return { refusal: { key: "invalidAmount", ...range } };
  if (cents < min || cents > max) return { refusal: { key: "amountOutOfRange", ...range } };
  return formatCents(cents);
}

/**
 * The code that pays a quote when the aggregator cannot tell its late retries from new inputs: 4 digits
 * derived from the quote's reference, moved on until it is none of the inputs the journey has had. An
 * aggregator's late retry repeats one of those inputs, so it can never pay; a new quote gets a new code.
 */
export function payCodeFor(reference: string, typed: readonly string[]): string {
  let start = 0;
  for (const char of reference) start = (start * 31 + char.charCodeAt(0)) % 9000;
  // Of any typed.length + 1 distinct candidates one is free (past 9999 they grow to 5 digits).
  for (let step = 0; ; step++) {
    const code = String(step < 9000 ? 1000 + ((start + step) % 9000) : 1000 + step);
    if (!typed.includes(code)) return code;
  }
}
