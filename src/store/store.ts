// The store port: short-lived JSON state (USSD sessions today; SMS quotes and limits later) with a TTL,
// and a per-key lock so the callbacks of one session are handled one at a time.

export interface KeyValueStore {
  get<T>(key: string): Promise<T | null>;
  /** Stores a JSON-serialisable value that expires after `ttlSeconds`. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Runs `work` while holding the lock for `key`; other callers for the same key wait their turn. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** True when the store answers; backs the health check. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
