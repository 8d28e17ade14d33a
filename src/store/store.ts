// The store port: short-lived JSON state (USSD sessions today; SMS quotes and limits later) with a TTL,
// and a per-key lock so the callbacks of one session are handled one at a time.

/** What `withLockedValue` work returns: its result, and optionally a value to store. */
export interface LockedUpdate<T, R> {
  result: R;
  store?: { value: T; ttlSeconds: number };
}

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
  /**
   * `withLock` around one value: `work` gets the key's current value and may return a new one to store
   * (with its TTL) before the lock is released. The hot path of every USSD callback, so an implementation
   * may fold the read into taking the lock and the write into releasing it.
   */
  withLockedValue<T, R>(key: string, work: (current: T | null) => Promise<LockedUpdate<T, R>>): Promise<R>;
  /** True when the store answers; backs the health check. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
