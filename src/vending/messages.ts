// From "why a vendor call failed" to a VendorFailure: a cause, and the vendor's own reason when it gave one
// fit for a handset. Vendor adapters pick a cause; they never compose customer text: each channel picks
// the words (machines/copy).
import type { VendorFailure, VendorFailureCause } from "../../machines/purchase/rules.js";

export type { VendorFailure, VendorFailureCause };

/** A failure with our words for its cause. */
export function failure(cause: VendorFailureCause): VendorFailure {
  return { cause };
}

/**
 * A vendor's minimum purchase (vendors send it as a code and a number), formatted for words:
 * `("NGN", "1000.00")` → minimum "NGN 1,000.00".
 */
export function belowMinimum(currency: string, minimum: string | undefined): VendorFailure {
  if (!minimum) return { cause: "below_minimum" };
  const [whole = "0", fraction = "00"] = minimum.split(".");
  return {
    cause: "below_minimum",
    minimum: `${currency} ${whole.replace(/\B(?=(\d{3})+$)/g, ",")}.${fraction}`,
  };
}

/** The vendor does not know this meter (or other subscriber number). */
export function subscriberNotFound(label: string): VendorFailure {
  return { cause: "subscriber_not_found", label };
}

/** One SMS: the screens and SMS replies shorten it further where they must, never by more than they need. */
const MAX_CUSTOMER_TEXT = 160;

/**
 * The vendor's own reason (e.g. "Meter … is blocked. Contact BPC.") made safe for a handset: one line, at
 * most one SMS long, and never anything that looks like JSON, markup or a stack trace; without a usable
 * reason, the fallback cause alone.
 */
export function vendorReason(reason: string | undefined, fallback: VendorFailureCause): VendorFailure {
  const text = (reason ?? "")
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  const looksTechnical =
    /^[[{<]/.test(text) || /\bat \S+ \([^)]*:\d+:\d+\)|\w+Exception\b|Traceback \(most recent/.test(text);
  if (!text || looksTechnical) return { cause: fallback };
  if (text.length <= MAX_CUSTOMER_TEXT) return { cause: fallback, vendorReason: text };
  const cut = text.slice(0, MAX_CUSTOMER_TEXT - 3);
  const lastSpace = cut.lastIndexOf(" ");
  return { cause: fallback, vendorReason: `${lastSpace > 60 ? cut.slice(0, lastSpace) : cut}...` };
}
