// The one table from "why a vendor call failed" to what the customer reads on a handset or in an SMS.
// Vendor adapters pick a cause; they never compose customer text themselves.

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
  | "insufficient_funds";

const customerMessages: Record<VendorFailureCause, string> = {
  timeout: "The provider is slow, please try again.",
  network: "The provider cannot be reached, please try again.",
  server_error: "The provider has a problem, please try again later.",
  busy: "The provider is busy, please try again.",
  bad_response: "The provider sent an unexpected answer, please try again later.",
  login_failed: "The service is unavailable, please try again later.",
  declined: "The provider declined the request.",
  outcome_unknown: "We are checking your purchase and will send the result by SMS.",
  invalid_request: "The request is not valid, please check it and try again.",
  insufficient_funds: "The service cannot sell right now, please try again later.",
};

export function customerMessage(cause: VendorFailureCause): string {
  return customerMessages[cause];
}

/**
 * A vendor's minimum purchase, in words (vendors send it as a code and a number):
 * `("NGN", "1000.00")` → "The minimum purchase is NGN 1,000.00."
 */
export function minimumPurchaseMessage(currency: string, minimum: string | undefined): string {
  if (!minimum) return "The amount is below the minimum purchase, please enter more.";
  const [whole = "0", fraction = "00"] = minimum.split(".");
  return `The minimum purchase is ${currency} ${whole.replace(/\B(?=(\d{3})+$)/g, ",")}.${fraction}.`;
}

/** The vendor does not know this meter (or other subscriber number): `("Meter number")` → "Meter number not found. …" */
export function subscriberNotFoundMessage(label: string): string {
  return `${label} not found. Please check it and try again.`;
}

/** One SMS: the screens and SMS replies shorten it further where they must, never by more than they need. */
const MAX_CUSTOMER_TEXT = 160;

/**
 * The vendor's own reason (e.g. "Meter … is blocked. Contact BPC.") made safe for a handset: one line,
 * at most one SMS long, and never anything that looks like JSON, markup or a stack trace.
 * Falls back to the cause's message when the vendor's text is unusable.
 */
export function vendorReasonForCustomer(reason: string | undefined, fallback: VendorFailureCause): string {
  const text = (reason ?? "")
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim();
  const looksTechnical =
    /^[[{<]/.test(text) || /\bat \S+ \([^)]*:\d+:\d+\)|\w+Exception\b|Traceback \(most recent/.test(text);
  if (!text || looksTechnical) return customerMessage(fallback);
  if (text.length <= MAX_CUSTOMER_TEXT) return text;
  const cut = text.slice(0, MAX_CUSTOMER_TEXT - 3);
  const lastSpace = cut.lastIndexOf(" ");
  return `${lastSpace > 60 ? cut.slice(0, lastSpace) : cut}...`;
}
