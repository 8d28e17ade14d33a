// The purchase ledger in PostgreSQL (a server, or PGlite embedded): the record of money, shared by every
// instance. Each change of status is one transaction that updates the row only if its status allows it
// and appends to purchase_history; the claim also locks the session's rows (see claim()).
import { type SqlDatabase, type SqlQueryable, type SqlValue, sqlState } from "../database/sql.js";
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

// The row with its history as JSON, ordered as appended.
const SELECT_RECORD = `
SELECT p.*,
  (SELECT json_agg(json_build_object('status', h.status, 'at', h.at) ORDER BY h.id)
     FROM purchase_history h WHERE h.reference = p.reference) AS history
FROM purchases p`;

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
    const at = this.now();
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO purchases (reference, channel, session_id, phone, recipient, product_type, product_name,
             subscriber_label, provider_code, subscriber_id, amount, charge, total, currency, customer_name,
             vendor_quote_reference, vendor_transaction_id, source_channel, status, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 'QUOTED', $19, $19)`,
          [
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
            at,
          ],
        );
        await this.appendHistory(tx, purchase.reference, "QUOTED", at);
      });
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION)
        throw new Error(`duplicate purchase reference ${purchase.reference}`, { cause: error });
      throw error;
    }
    const record = await this.get(purchase.reference);
    if (!record) throw new Error(`purchase ${purchase.reference} vanished after it was recorded`);
    return record;
  }

  async get(reference: string): Promise<PurchaseRecord | null> {
    return this.read(this.db, reference);
  }

  async transition(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch: PurchasePatch = {},
  ): Promise<PurchaseRecord | null> {
    if (from.length === 0) return null;
    try {
      return await this.db.transaction((tx) => this.move(tx, reference, from, to, patch));
    } catch (error) {
      // Moving a second purchase of one session past QUOTED: the unique index refuses, as claim() does.
      if (sqlState(error) === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  /**
   * QUOTED → CONFIRMING in one transaction. The rows of the purchase and of its session are locked (in
   * reference order, so two claims never deadlock) before the check, so two claims of one purchase, or of
   * two purchases of one session, on any instances, cannot both pass. The unique index
   * purchases_one_buy_per_session backs the session rule in the database itself.
   */
  async claim(reference: string, sessionId?: string): Promise<PurchaseRecord | null> {
    try {
      return await this.db.transaction(async (tx) => {
        const rows = await tx.query<{ reference: string; status: PurchaseStatus }>(
          `SELECT reference, status FROM purchases
           WHERE reference = $1 OR ($2::text IS NOT NULL AND session_id = $2)
           ORDER BY reference FOR UPDATE`,
          [reference, sessionId ?? null],
        );
        const target = rows.find((row) => row.reference === reference);
        if (target?.status !== "QUOTED") return null;
        if (sessionId && rows.some((row) => row.reference !== reference && row.status !== "QUOTED"))
          return null;
        return this.move(tx, reference, ["QUOTED"], "CONFIRMING", {});
      });
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) return null;
      throw error;
    }
  }

  async update(reference: string, patch: PurchasePatch): Promise<PurchaseRecord | null> {
    const { assignments, values } = patchSql(patch, 3);
    const rows = await this.db.query(
      `UPDATE purchases SET updated_at = $2${assignments} WHERE reference = $1 RETURNING reference`,
      [reference, this.now(), ...values],
    );
    return rows.length === 0 ? null : this.get(reference);
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

  /** The conditional update and its history line; null when the status is not one of `from`. */
  private async move(
    tx: SqlQueryable,
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch: PurchasePatch,
  ): Promise<PurchaseRecord | null> {
    const at = this.now();
    const { assignments, values } = patchSql(patch, 5);
    const rows = await tx.query(
      `UPDATE purchases SET status = $3, updated_at = $4${assignments}
       WHERE reference = $1 AND status = ANY($2::text[]) RETURNING reference`,
      [reference, from, to, at, ...values],
    );
    if (rows.length === 0) return null;
    await this.appendHistory(tx, reference, to, at);
    return this.read(tx, reference);
  }

  private async appendHistory(tx: SqlQueryable, reference: string, status: PurchaseStatus, at: Date) {
    await tx.query("INSERT INTO purchase_history (reference, status, at) VALUES ($1, $2, $3)", [
      reference,
      status,
      at,
    ]);
  }

  private async read(on: SqlQueryable, reference: string): Promise<PurchaseRecord | null> {
    const [row] = await on.query<PurchaseRow>(`${SELECT_RECORD} WHERE p.reference = $1`, [reference]);
    return row ? toRecord(row) : null;
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
