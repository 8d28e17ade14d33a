import {
  matchesSearch,
  type NewPurchase,
  needsAttention,
  type PurchaseLedger,
  type PurchasePatch,
  type PurchaseRecord,
  type PurchaseSearch,
  type PurchaseStatus,
} from "./ledger.js";

/** In-process ledger for a single instance; records are copied in and out so callers cannot mutate it. */
export class MemoryLedger implements PurchaseLedger {
  private readonly records = new Map<string, PurchaseRecord>();
  private created = 0;

  constructor(private readonly now: () => Date = () => new Date()) {}

  async create(purchase: NewPurchase): Promise<PurchaseRecord> {
    if (++this.created % 1000 === 0) this.forgetOldQuotes();
    if (this.records.has(purchase.reference))
      throw new Error(`duplicate purchase reference ${purchase.reference}`);
    const at = this.now().toISOString();
    const record: PurchaseRecord = {
      ...purchase,
      status: "QUOTED",
      history: [{ status: "QUOTED", at }],
      createdAt: at,
      updatedAt: at,
    };
    this.records.set(record.reference, structuredClone(record));
    return record;
  }

  async get(reference: string): Promise<PurchaseRecord | null> {
    const record = this.records.get(reference);
    return record ? structuredClone(record) : null;
  }

  async transition(
    reference: string,
    from: PurchaseStatus[],
    to: PurchaseStatus,
    patch: PurchasePatch = {},
  ): Promise<PurchaseRecord | null> {
    // Check and write happen in one synchronous step: nothing can interleave in this process.
    const record = this.records.get(reference);
    if (!record || !from.includes(record.status)) return null;
    const at = this.now().toISOString();
    Object.assign(record, patch, { status: to, updatedAt: at });
    record.history.push({ status: to, at });
    return structuredClone(record);
  }

  async claim(reference: string, sessionId?: string): Promise<PurchaseRecord | null> {
    if (sessionId) {
      for (const other of this.records.values()) {
        if (other.sessionId === sessionId && other.reference !== reference && other.status !== "QUOTED")
          return null;
      }
    }
    return this.transition(reference, ["QUOTED"], "CONFIRMING");
  }

  async update(reference: string, patch: PurchasePatch): Promise<PurchaseRecord | null> {
    const record = this.records.get(reference);
    if (!record) return null;
    Object.assign(record, patch, { updatedAt: this.now().toISOString() });
    return structuredClone(record);
  }

  async forSession(sessionId: string): Promise<PurchaseRecord[]> {
    return [...this.records.values()].filter((r) => r.sessionId === sessionId).map((r) => structuredClone(r));
  }

  async lastWithTokensFor(phone: string): Promise<PurchaseRecord | null> {
    let last: PurchaseRecord | null = null;
    for (const r of this.records.values()) {
      if (r.status === "SUCCESSFUL" && r.token && (r.phone === phone || r.recipient === phone)) last = r;
    }
    return last ? structuredClone(last) : null;
  }

  async unresolved(): Promise<PurchaseRecord[]> {
    return [...this.records.values()].filter((r) => needsAttention(r)).map((r) => structuredClone(r));
  }

  async createdBetween(from: Date, to: Date, limit: number): Promise<PurchaseRecord[]> {
    const [start, end] = [from.getTime(), to.getTime()];
    return this.newestFirst((r) => {
      const at = Date.parse(r.createdAt);
      return r.status !== "QUOTED" && at >= start && at < end;
    }, limit);
  }

  async search(query: PurchaseSearch, limit: number): Promise<PurchaseRecord[]> {
    return this.newestFirst((r) => matchesSearch(r, query), limit);
  }

  private newestFirst(keep: (record: PurchaseRecord) => boolean, limit: number): PurchaseRecord[] {
    const found: PurchaseRecord[] = [];
    // Insertion order is creation order: walk it backwards.
    const all = [...this.records.values()];
    for (let i = all.length - 1; i >= 0 && found.length < limit; i--) {
      const record = all[i] as PurchaseRecord;
      if (keep(record)) found.push(structuredClone(record));
    }
    return found;
  }

  /** Quotes nobody confirmed within a day are dropped, as the Redis ledger's TTL does, so memory stays flat. */
  private forgetOldQuotes(): void {
    const cutoff = this.now().getTime() - 24 * 3600 * 1000;
    for (const [reference, record] of this.records) {
      if (record.status === "QUOTED" && Date.parse(record.createdAt) < cutoff) this.records.delete(reference);
    }
  }
}
