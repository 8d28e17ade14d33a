// The store port: short-lived JSON state (USSD sessions today; SMS quotes and limits later) with a TTL,
// and a per-key lock so the callbacks of one session are handled one at a time.

export interface KeyValueStore {
  get<T>(key: string): Promise<T | null>;
  /** Stores a JSON-serialisable value that expires after `ttlSeconds`. */
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Stores the value only if the key is absent (atomically); true when this call stored it. */
  setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  /**
   * Adds one to a counter (atomically) and returns the new count. The counter expires `ttlSeconds` after
   * it was created (a fixed window, e.g. "messages this minute").
   */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Runs `work` while holding the lock for `key`; other callers for the same key wait their turn. */
  withLock<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** True when the store answers; backs the health check. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
