import type { KeyValueStore, LockedUpdate } from "./store.js";

interface Entry {
  /** Kept serialised so a value round-trips exactly as it would through Redis. */
  json: string;
  expiresAt: number;
}

/** Single-instance store: values live in this process and vanish with it. */
export class MemoryStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly now: () => number = Date.now,
    sweepEveryMs = 30_000,
  ) {
    // Expired entries are also dropped on read; the sweep keeps abandoned sessions from piling up.
    this.sweeper = setInterval(() => this.sweep(), sweepEveryMs);
    this.sweeper.unref();
  }

  async get<T>(key: string): Promise<T | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return null;
    }
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { json: JSON.stringify(value), expiresAt: this.now() + ttlSeconds * 1000 });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    // Check and write in one synchronous step, so concurrent callers cannot both win.
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) return false;
    this.entries.set(key, { json: JSON.stringify(value), expiresAt: this.now() + ttlSeconds * 1000 });
    return true;
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const entry = this.entries.get(key);
    if (!entry || entry.expiresAt <= this.now()) {
      this.entries.set(key, { json: "1", expiresAt: this.now() + ttlSeconds * 1000 });
      return 1;
    }
    const count = Number(JSON.parse(entry.json)) + 1;
    entry.json = String(count);
    return count;
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const turn = previous.then(work, work);
    const settled = turn.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(key, settled);
    try {
      return await turn;
    } finally {
      // Forget the chain once nobody queued behind us, so idle keys hold no memory.
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }

  withLockedValue<T, R>(key: string, work: (current: T | null) => Promise<LockedUpdate<T, R>>): Promise<R> {
    return this.withLock(key, async () => {
      const update = await work(await this.get<T>(key));
      if (update.store) await this.set(key, update.store.value, update.store.ttlSeconds);
      return update.result;
    });
  }

  async ping(): Promise<boolean> {
    return true;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  /** Number of live entries (for the benchmark's memory figures and tests). */
  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
