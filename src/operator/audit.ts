// The operator audit trail: who did what to which purchase, when. Kept in the shared store (Redis in
// production, so every instance sees it) for a year, the newest 1000 actions overall and the newest 100
// per purchase, and written to the log as well.
import type { Logger } from "../log.js";
import type { KeyValueStore } from "../store/store.js";

export interface AuditEntry {
  at: string;
  /** The operator (user name, `token`, or `local`). */
  who: string;
  /** What was done, e.g. `check-again`, `resend-tokens`. */
  action: string;
  reference: string;
  /** What came of it, in words (never a token or a phone number). */
  outcome: string;
}

const KEEP_SECONDS = 365 * 24 * 3600;
const KEEP_ALL = 1000;
const KEEP_PER_PURCHASE = 100;
const ALL = "operator:audit";
const forPurchase = (reference: string) => `operator:audit:${reference}`;

export class AuditTrail {
  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
  ) {}

  async record(entry: Omit<AuditEntry, "at">): Promise<AuditEntry> {
    const full = { at: new Date().toISOString(), ...entry };
    this.logger.info({ audit: full }, "operator action");
    await this.append(ALL, full, KEEP_ALL);
    await this.append(forPurchase(entry.reference), full, KEEP_PER_PURCHASE);
    return full;
  }

  /** Newest first. */
  async recent(): Promise<AuditEntry[]> {
    return ((await this.store.get<AuditEntry[]>(ALL)) ?? []).slice().reverse();
  }

  /** Newest first. */
  async of(reference: string): Promise<AuditEntry[]> {
    return ((await this.store.get<AuditEntry[]>(forPurchase(reference))) ?? []).slice().reverse();
  }

  private append(key: string, entry: AuditEntry, keep: number): Promise<void> {
    // Under the key's lock, so two operators acting at once both stay in the trail.
    return this.store.withLock(key, async () => {
      const entries = (await this.store.get<AuditEntry[]>(key)) ?? [];
      entries.push(entry);
      await this.store.set(key, entries.slice(-keep), KEEP_SECONDS);
    });
  }
}
