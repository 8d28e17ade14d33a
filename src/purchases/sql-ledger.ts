// The purchase ledger in PostgreSQL (a server, or PGlite embedded): the record of money, shared by every
// instance. Each change of status is one statement that updates the row only if its status allows it
// and appends to purchase_history; the claim also refuses a second buy of one session (see claim()).
import { type SqlDatabase, type SqlValue, sqlState } from "../database/sql.js";
import type {
  NewPurchase,
  PurchaseLedger,
  PurchasePatch,
  PurchaseRecord,
  PurchaseSearch,
  PurchaseStatus,
} from "./ledger.js";

export interface SqlLedgerOptions {
  /** The clock of `createdAt`, `updatedAt` and `history[].at` (tests pass their own). */
  now?: () => Date;
  /** A QUOTED purchase nobody confirmed is deleted after this long (default 86400 s). */
  quotedTtlSeconds?: number;
}

// Patchable fields and their columns; nothing else is ever interpolated into SQL.
const PATCH_COLUMNS = {
  vendorTransactionId: "vendor_transaction_id",
  vendorReference: "vendor_reference",
  providerReference: "provider_reference",
  token: "token",
  units: "units",
  failureReason: "failure_reason",
  needsOperator: "needs_operator",
  notified: "notified",
  customerNotReached: "customer_not_reached",
} as const satisfies Record<keyof PurchasePatch, string>;

/** History lines (`alias` has id, status, at) as the JSON list a record carries, ordered as appended. */
const historyJson = (alias: string) =>
  `json_agg(json_build_object('status', ${alias}.status, 'at', ${alias}.at) ORDER BY ${alias}.id)`;

// The history of the purchase row `p`.
const HISTORY_OF_P = `(SELECT ${historyJson("h")} FROM purchase_history h WHERE h.reference = p.reference)`;

// The row with its history.
const SELECT_RECORD = `SELECT p.*, ${HISTORY_OF_P} AS history FROM purchases p`;

// Each write below is one statement (a round trip each, and atomic without BEGIN/COMMIT): the row and its
// history line are written together by data-modifying WITH clauses, and the record comes back from it. The
// final SELECT sees the tables as they were before the statement, so the new history line is added from
// `logged` rather than read back.

const CREATE = `
WITH created AS (
  INSERT INTO purchases (reference, channel, session_id, phone, recipient, product_type, product_name,
    subscriber_label, provider_code, subscriber_id, amount, charge, total, currency, customer_name,
    vendor_quote_reference, vendor_transaction_id, source_channel, status, created_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'QUOTED', $19, $19)
  RETURNING *),
logged AS (
  INSERT INTO purchase_history (reference, status, at)
  SELECT reference, status, created_at FROM created RETURNING id, status, at)
SELECT created.*,
  (SELECT ${historyJson("l")} FROM logged l) AS history
FROM created`;

/**
 * A status change: $1 reference, $2 statuses it may move from, $3 the new status, $4 the time, then the
 * patch's values; `guard` adds a condition.
 */
function moveSql(assignments: string, guard: string): string {
  return `
WITH moved AS (
  UPDATE purchases SET status = $3, updated_at = $4${assignments}
  WHERE reference = $1 AND status = ANY($2::text[])${guard}
  RETURNING *),
logged AS (
  INSERT INTO purchase_history (reference, status, at)
  SELECT reference, status, updated_at FROM moved RETURNING id, status, at)
SELECT moved.*,
  (SELECT ${historyJson("x")}
     FROM (SELECT h.id, h.status, h.at FROM purchase_history h WHERE h.reference = moved.reference
           UNION ALL SELECT id, status, at FROM logged) x) AS history
FROM moved`;
}

// The claim's guard ($5 the session): no other purchase of the session is past QUOTED.
const CLAIM_GUARD = `
    AND ($5::text IS NULL OR NOT EXISTS (SELECT 1 FROM purchases other
      WHERE other.session_id = $5 AND other.reference <> $1 AND other.status <> 'QUOTED'))`;

const UNIQUE_VIOLATION = "23505";

interface PurchaseRow {
  reference: string;
  channel: "USSD" | "SMS";
  session_id: string | null;
  phone: string;
  recipient: string;
  product_type: string;
  product_name: string;
  subscriber_label: string;
  provider_code: string;
  subscriber_id: string;
  amount: string;
  charge: string;
  total: string;
  currency: string;
  customer_name: string | null;
  vendor_quote_reference: string | null;
  source_channel: string;
  status: PurchaseStatus;
  vendor_transaction_id: string | null;
  vendor_reference: string | null;
  provider_reference: string | null;
  token: string | null;
  units: string | null;
  failure_reason: string | null;
  needs_operator: boolean | null;
  notified: boolean | null;
  customer_not_reached: boolean | null;
  created_at: Date | string;
  updated_at: Date | string;
  history: { status: PurchaseStatus; at: string }[] | string | null;
}

export class SqlLedger implements PurchaseLedger {
  private readonly now: () => Date;
  private readonly quotedTtlMs: number;
  private created = 0;

  constructor(
    private readonly db: SqlDatabase,
    options: SqlLedgerOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.quotedTtlMs = (options.quotedTtlSeconds ?? 86_400) * 1000;
  }

  async create(purchase: NewPurchase): Promise<PurchaseRecord> {
    if (++this.created % 1000 === 0) await this.forgetOldQuotes();
    try {
      const [row] = await this.db.query<PurchaseRow>(CREATE, [
        purchase.reference,
        purchase.channel,
        purchase.sessionId ?? null,
        purchase.phone,
        purchase.recipient,
        purchase.productType,
        purchase.productName,
        purchase.subscriberLabel,
        purchase.providerCode,
        purchase.subscriberId,
        purchase.amount,
        purchase.charge,
        purchase.total,
        purchase.currency,
        purchase.customerName ?? null,
        purchase.vendorQuoteReference ?? null,
        purchase.vendorTransactionId ?? null,
        purchase.sourceChannel,
        this.now(),
      ]);
      if (!row) throw new Error(`purchase ${purchase.reference} was not recorded`);
      return toRecord(row);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION)
        throw new Error(`duplicate purchase reference ${purchase.reference}`, { cause: error });
      throw error;
    }
  }

  async get(reference: string): Promise<PurchaseRecord | null> {
    const [row] = await this.db.query<PurchaseRow>(`${SELECT_RECORD} WHERE p.reference = $1`, [reference]);
    return row ? toRecord(row) : null;
  }

  async transition(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch: PurchasePatch = {},
  ): Promise<PurchaseRecord | null> {
    if (from.length === 0) return null;
    const { assignments, values } = patchSql(patch, 5);
    return this.move(moveSql(assignments, ""), [reference, from, to, this.now(), ...values]);
  }

  /**
   * QUOTED → CONFIRMING in one statement, refused when another purchase of the session is already past
   * QUOTED. Two claims of one purchase, on any instances, cannot both pass: the second waits for the
   * first's row lock and then finds the status changed. Two claims of two purchases of one session cannot
   * both pass either: the unique index purchases_one_buy_per_session refuses the second (it waits for the
   * first to commit), which is read as a refusal.
   */
  async claim(reference: string, sessionId?: string): Promise<PurchaseRecord | null> {
    return this.move(moveSql("", CLAIM_GUARD), [
      reference,
      ["QUOTED"],
      "CONFIRMING",
      this.now(),
      sessionId ?? null,
    ]);
  }

  async update(reference: string, patch: PurchasePatch): Promise<PurchaseRecord | null> {
    const { assignments, values } = patchSql(patch, 3);
    const [row] = await this.db.query<PurchaseRow>(
      `UPDATE purchases p SET updated_at = $2${assignments} WHERE p.reference = $1
       RETURNING p.*, ${HISTORY_OF_P} AS history`,
      [reference, this.now(), ...values],
    );
    return row ? toRecord(row) : null;
  }

  async forSession(sessionId: string): Promise<PurchaseRecord[]> {
    return this.readMany(`${SELECT_RECORD} WHERE p.session_id = $1 ORDER BY p.created_at, p.reference`, [
      sessionId,
    ]);
  }

  async lastWithTokensFor(phone: string): Promise<PurchaseRecord | null> {
    const [record] = await this.readMany(
      `${SELECT_RECORD}
       WHERE (p.phone = $1 OR p.recipient = $1) AND p.status = 'SUCCESSFUL' AND coalesce(p.token, '') <> ''
       ORDER BY p.created_at DESC, p.reference DESC LIMIT 1`,
      [phone],
    );
    return record ?? null;
  }

  async unresolved(): Promise<PurchaseRecord[]> {
    // Same rule as needsAttention() in ledger.ts, and the predicate of purchases_needing_attention.
    return this.readMany(
      `${SELECT_RECORD}
       WHERE p.status IN ('CONFIRMING', 'UNKNOWN')
          OR (p.status IN ('SUCCESSFUL', 'FAILED') AND p.notified IS NOT TRUE)
       ORDER BY p.updated_at`,
    );
  }

  async createdBetween(from: Date, to: Date, limit: number): Promise<PurchaseRecord[]> {
    return this.readMany(
      `${SELECT_RECORD}
       WHERE p.created_at >= $1 AND p.created_at < $2 AND p.status <> 'QUOTED'
       ORDER BY p.created_at DESC, p.reference DESC LIMIT $3`,
      [from, to, limit],
    );
  }

  async search(query: PurchaseSearch, limit: number): Promise<PurchaseRecord[]> {
    // Same rule as matchesSearch() in ledger.ts.
    if ("reference" in query) {
      const record = await this.get(query.reference);
      return record ? [record] : [];
    }
    const [where, value] =
      "phone" in query
        ? ["(p.phone = $1 OR p.recipient = $1)", query.phone]
        : ["p.subscriber_id = $1", query.subscriberId];
    return this.readMany(
      `${SELECT_RECORD} WHERE ${where} AND p.status <> 'QUOTED'
       ORDER BY p.created_at DESC, p.reference DESC LIMIT $2`,
      [value, limit],
    );
  }

  /** One status change and its history line, in one statement; null when the status did not allow it. */
  private async move(sql: string, params: SqlValue[]): Promise<PurchaseRecord | null> {
    try {
      const [row] = await this.db.query<PurchaseRow>(sql, params);
      return row ? toRecord(row) : null;
    } catch (error) {
      // Moving a second purchase of one session past QUOTED: the unique index refuses it.
      if (sqlState(error) === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  private async readMany(sql: string, params: SqlValue[] = []): Promise<PurchaseRecord[]> {
    return (await this.db.query<PurchaseRow>(sql, params)).map(toRecord);
  }

  /** Quotes nobody confirmed within the TTL are deleted (with their history), so the table holds sales. */
  private async forgetOldQuotes(): Promise<void> {
    await this.db.query("DELETE FROM purchases WHERE status = 'QUOTED' AND created_at < $1", [
      new Date(this.now().getTime() - this.quotedTtlMs),
    ]);
  }
}

/** `, col = $n, …` for the fields present in `patch` (undefined clears a field, as in the port). */
function patchSql(patch: PurchasePatch, firstParam: number): { assignments: string; values: SqlValue[] } {
  let assignments = "";
  const values: SqlValue[] = [];
  for (const [field, column] of Object.entries(PATCH_COLUMNS)) {
    if (!(field in patch)) continue;
    values.push((patch as Record<string, SqlValue | undefined>)[field] ?? null);
    assignments += `, ${column} = $${firstParam + values.length - 1}`;
  }
  return { assignments, values };
}

const iso = (value: Date | string) => (value instanceof Date ? value : new Date(value)).toISOString();

function toRecord(row: PurchaseRow): PurchaseRecord {
  const history = typeof row.history === "string" ? JSON.parse(row.history) : (row.history ?? []);
  const optional = <K extends string, V>(key: K, value: V | null) =>
    (value === null ? {} : { [key]: value }) as Partial<Record<K, V>>;
  return {
    reference: row.reference,
    channel: row.channel,
    ...optional("sessionId", row.session_id),
    phone: row.phone,
    recipient: row.recipient,
    productType: row.product_type,
    productName: row.product_name,
    subscriberLabel: row.subscriber_label,
    providerCode: row.provider_code,
    subscriberId: row.subscriber_id,
    amount: row.amount,
    charge: row.charge,
    total: row.total,
    currency: row.currency,
    ...optional("customerName", row.customer_name),
    ...optional("vendorQuoteReference", row.vendor_quote_reference),
    sourceChannel: row.source_channel,
    status: row.status,
    history: (history as { status: PurchaseStatus; at: string }[]).map((h) => ({
      status: h.status,
      at: iso(h.at),
    })),
    ...optional("vendorTransactionId", row.vendor_transaction_id),
    ...optional("vendorReference", row.vendor_reference),
    ...optional("providerReference", row.provider_reference),
    ...optional("token", row.token),
    ...optional("units", row.units),
    ...optional("failureReason", row.failure_reason),
    ...optional("needsOperator", row.needs_operator),
    ...optional("notified", row.notified),
    ...optional("customerNotReached", row.customer_not_reached),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
  };
}
