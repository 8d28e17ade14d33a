// The purchase ledger port: the record of every purchase, written before the buy is sent.
// Implemented once, in SQL (sql-ledger.ts), on a PostgreSQL server or on PGlite embedded.

export type PurchaseStatus = "QUOTED" | "CONFIRMING" | "SUCCESSFUL" | "FAILED" | "UNKNOWN";

/** Whether a purchase still needs work (see `PurchaseLedger.unresolved`). */
export function needsAttention(record: Pick<PurchaseRecord, "status" | "notified">): boolean {
  if (record.status === "CONFIRMING" || record.status === "UNKNOWN") return true;
  return (record.status === "SUCCESSFUL" || record.status === "FAILED") && record.notified !== true;
}

export interface PurchaseRecord {
  /** Our external_reference: the key of the purchase everywhere. */
  reference: string;
  channel: "USSD" | "SMS";
  /** The USSD session that made it, so one session can never buy twice. */
  sessionId?: string;
  /** The buyer's phone and the phone that receives the token, E.164 digits. */
  phone: string;
  recipient: string;
  productType: string;
  productName: string;
  subscriberLabel: string;
  providerCode: string;
  subscriberId: string;
  amount: string;
  charge: string;
  total: string;
  currency: string;
  customerName?: string;
  /** The vendor's reference of the quote (Powershop `referenceNumber`), needed to buy and resolve. */
  vendorQuoteReference?: string;
  sourceChannel: string;
  status: PurchaseStatus;
  history: { status: PurchaseStatus; at: string }[];
  /**
   * The vendor's operation id (ScratchPower `id`, Powershop `transactionId` from the quote), its reference and
   * the utility's reference (see Sale), for disputes.
   */
  vendorTransactionId?: string;
  vendorReference?: string;
  providerReference?: string;
  /** The vendor's raw token field, in the vendor's order. Never logged. */
  token?: string;
  units?: string;
  failureReason?: string;
  /** Set when automatic resolution gave up: an operator must look at this purchase. */
  needsOperator?: boolean;
  /**
   * The customer has been told the outcome: the SMS with the tokens, receipt or failure accepted by the
   * gateway, or the failure shown on the handset. Until then a finished purchase still needs attention
   * (a queued SMS lost with Redis is sent again by the recovery sweep).
   */
  notified?: boolean;
  /**
   * The outcome SMS was given up on, or its delivery report said it never reached the handset
   * (AbsentSubscriber, Expired, Rejected, Failed): the operator should reach the customer. The tokens stay
   * recoverable by the menu and `LAST`.
   */
  customerNotReached?: boolean;
  createdAt: string;
  updatedAt: string;
}

export type NewPurchase = Omit<PurchaseRecord, "status" | "history" | "createdAt" | "updatedAt">;

export type PurchasePatch = Partial<
  Pick<
    PurchaseRecord,
    | "vendorTransactionId"
    | "vendorReference"
    | "providerReference"
    | "token"
    | "units"
    | "failureReason"
    | "needsOperator"
    | "notified"
    | "customerNotReached"
  >
>;

export interface PurchaseLedger {
  /** Records a quoted purchase. */
  create(purchase: NewPurchase): Promise<PurchaseRecord>;
  get(reference: string): Promise<PurchaseRecord | null>;
  /**
   * Atomically moves a purchase to `to` if its status is one of `from`; returns the updated record, or
   * null when the status was something else (e.g. a second attempt to confirm).
   */
  transition(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch?: PurchasePatch,
  ): Promise<PurchaseRecord | null>;
  /**
   * The claim before a buy: atomically QUOTED → CONFIRMING, refused (null) when the purchase is not QUOTED
   * or, with `sessionId`, when another purchase of that session is already past QUOTED (one session never
   * buys twice, even rebuilt by replay).
   */
  claim(reference: string, sessionId?: string): Promise<PurchaseRecord | null>;
  /** Updates fields without a status change (e.g. flagging for the operator). */
  update(reference: string, patch: PurchasePatch): Promise<PurchaseRecord | null>;
  /** Purchases of one USSD session, oldest first. */
  forSession(sessionId: string): Promise<PurchaseRecord[]>;
  /** The latest successful purchase with tokens bought by, or delivered to, this phone. */
  lastWithTokensFor(phone: string): Promise<PurchaseRecord | null>;
  /**
   * Purchases that still need work: outcome not known (CONFIRMING, UNKNOWN), or known (SUCCESSFUL, FAILED)
   * but the customer not yet `notified`. Whoever sweeps after a crash picks them up.
   */
  unresolved(): Promise<PurchaseRecord[]>;
  /**
   * Purchases past QUOTED (a buy was sent) created in [from, to), newest first, at most `limit`: the
   * operator page's sales per day. Quotes nobody confirmed are not listed.
   */
  createdBetween(from: Date, to: Date, limit: number): Promise<PurchaseRecord[]>;
  /**
   * The operator's search, newest first, at most `limit`: `reference` matches one purchase in any status;
   * `phone` (buyer or token recipient, E.164 digits) and `subscriberId` (meter, account) match purchases
   * past QUOTED.
   */
  search(query: PurchaseSearch, limit: number): Promise<PurchaseRecord[]>;
}

/** Exactly one field is set. */
export type PurchaseSearch = { reference: string } | { phone: string } | { subscriberId: string };

/** Whether a record matches a phone or subscriber search (the reference is looked up directly). */
export function matchesSearch(record: PurchaseRecord, query: PurchaseSearch): boolean {
  if ("reference" in query) return record.reference === query.reference;
  if (record.status === "QUOTED") return false;
  if ("phone" in query) return record.phone === query.phone || record.recipient === query.phone;
  return record.subscriberId === query.subscriberId;
}
