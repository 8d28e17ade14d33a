// The notifier port: everything the purchase service tells a customer, and what the channel reports back.
// The money core decides who is told what and when; an adapter (src/notify/, by SMS) decides the words and
// how they travel. Nothing here names a channel.

/** A finished (or failed) purchase, as plain values: what a notice about it may say. */
export interface PurchaseSummary {
  /** Our external reference: what the customer quotes to the operator. */
  reference: string;
  productName: string;
  /** Vendor's label for the identifier, e.g. "Meter Number". */
  subscriberLabel?: string;
  subscriberId: string;
  /** Decimal string, e.g. "100.00". */
  amount: string;
  currency: string;
  /** e.g. "8.1 kWh", "1500 L". */
  units?: string;
  /** The vendor's raw token field (bare token or `|`-separated `Description: Token` pairs). */
  token?: string;
}

/**
 * Tells customers about purchases. `to` is a phone as E.164 digits. Every method resolves once the notice
 * is queued, not delivered. The three outcome notices (tokens, receipt, failure) are reported back through
 * `onOutcome`; at most one outcome notice per purchase waits at a time, so sending it again while it waits
 * (a recovery sweep) does nothing.
 */
export interface PurchaseNotifier {
  /** The tokens of a successful purchase, in vendor order. Reported back. */
  tokens(to: string, purchase: PurchaseSummary, when?: NoticeTiming): Promise<void>;
  /** A successful purchase that issues no token (airtime). Reported back. */
  receipt(to: string, purchase: PurchaseSummary, when?: NoticeTiming): Promise<void>;
  /** The purchase definitely failed and nothing was charged; `reason` from the ledger, if any. Reported back. */
  failure(to: string, purchase: PurchaseSummary, reason?: string): Promise<void>;
  /** The outcome could not be learnt and an operator is checking. Not reported back. */
  notConfirmedYet(to: string, purchase: PurchaseSummary): Promise<void>;
  /** The tokens of an earlier purchase again, on request. Not reported back. */
  resendTokens(to: string, purchase: PurchaseSummary): Promise<void>;
  /** `listener` hears what became of every outcome notice this process handles. */
  onOutcome(listener: OutcomeListener): void;
}

/**
 * `justSold`: the sale was recorded by this process a moment ago, so nobody else is telling the customer
 * yet (recovery waits for a purchase to go idle first): the notice may leave at once rather than queue.
 * Resolving (with `true`) still means only that it is on its way.
 */
export interface NoticeTiming {
  justSold?: boolean;
}

/** What became of a purchase's outcome notice. `why` is for the log. */
export interface OutcomeListener {
  /** The channel accepted the whole notice (every part of it): the customer counts as told. */
  told(reference: string): Promise<void>;
  /** The channel stopped trying before accepting all of it: nobody will send it again by themselves. */
  givenUp(reference: string, why: string): Promise<void>;
  /** Accepted, but the channel later learnt it never reached the customer. */
  undelivered(reference: string, why: string): Promise<void>;
}
