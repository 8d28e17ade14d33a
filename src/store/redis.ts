// The store port on Redis, so USSD sessions (and their locks) are shared by every app instance.
//
// Keys (all under `keyPrefix`, e.g. "ussd:"):
//   <prefix><key>        the JSON value, with the caller's TTL (SET … EX)
//   <prefix>lock:<key>   the per-key lock: a random token, SET NX PX lockTtlMs, released by compare-and-delete
//
// The client is created (and quit) by the caller; it must not have its own ioredis `keyPrefix`.
import { createHash, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { KeyValueStore, LockedUpdate } from "./store.js";

export interface RedisStoreOptions {
  /** Namespace of every key, e.g. "ussd:". */
  keyPrefix: string;
  /** Lock expiry: a holder that dies frees the key after this long. Keep it above the longest `work`. */
  lockTtlMs: number;
  /** How long `withLock` waits to acquire before throwing LockTimeoutError. */
  lockWaitMs: number;
  /** `ping()` answers false when Redis has not answered within this long (default 1000). */
  pingTimeoutMs?: number;
}

/** `withLock` gave up: someone else held the key's lock for the whole `lockWaitMs`. */
export class LockTimeoutError extends Error {
  constructor(
    readonly key: string,
    readonly waitedMs: number,
  ) {
    super(`lock on "${key}" not acquired within ${waitedMs} ms`);
    this.name = "LockTimeoutError";
  }
}

/** A Lua script run by SHA (EVALSHA), loaded with EVAL the first time a server has not seen it. */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash("sha1").update(lua).digest("hex");
  }

  async run(client: Redis, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
      return client.eval(this.lua, keys.length, ...keys, ...args);
    }
  }
}

// Deletes the lock only while it still holds our token: a lock that expired and was taken by another
// holder is left alone.
const releaseLock = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

// Takes the lock and, in the same step, reads the value it guards. Returns {1, value} or {0}.
const lockAndReadScript = new LuaScript(`
if not redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return {0} end
local value = redis.call('GET', KEYS[2])
if value then return {1, value} end
return {1}
`);

// Writes the guarded value and releases the lock in one step; the lock is only deleted while it is ours.
const storeAndReleaseScript = new LuaScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if redis.call('GET', KEYS[2]) == ARGV[3] then redis.call('DEL', KEYS[2]) end
return 1
`);

// INCR and, for a new counter only, its expiry: one atomic step, so a crash cannot leave a counter forever.
const incrementScript = new LuaScript(`
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return count
`);

export class RedisStore implements KeyValueStore {
  private readonly pingTimeoutMs: number;

  constructor(
    private readonly client: Redis,
    private readonly options: RedisStoreOptions,
  ) {
    this.pingTimeoutMs = options.pingTimeoutMs ?? 1000;
  }

  async get<T>(key: string): Promise<T | null> {
    const json = await this.client.get(this.key(key));
    return json === null ? null : this.parse<T>(key, json);
  }

  private parse<T>(key: string, json: string): T {
    try {
      return JSON.parse(json) as T;
    } catch (error) {
      throw new Error(`store value "${key}" is not valid JSON: ${(error as Error).message}`);
    }
  }

  async set(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    const json = JSON.stringify(value);
    // Redis refuses a zero or negative expiry; the memory store treats it as "already expired".
    if (ttlSeconds <= 0) await this.client.del(this.key(key));
    else if (Number.isInteger(ttlSeconds)) await this.client.set(this.key(key), json, "EX", ttlSeconds);
    else await this.client.set(this.key(key), json, "PX", Math.ceil(ttlSeconds * 1000));
  }

  async delete(key: string): Promise<void> {
    await this.client.del(this.key(key));
  }

  async setIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    const stored = await this.client.set(
      this.key(key),
      JSON.stringify(value),
      "PX",
      Math.ceil(ttlSeconds * 1000),
      "NX",
    );
    return stored === "OK";
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const count = Number(
      await incrementScript.run(this.client, [this.key(key)], [Math.ceil(ttlSeconds * 1000)]),
    );
    return count;
  }

  async withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
    const lockKey = this.key(`lock:${key}`);
    const token = randomUUID();
    await this.acquire(key, lockKey, token);
    try {
      return await work();
    } finally {
      await this.release(lockKey, token);
    }
  }

  async withLockedValue<T, R>(
    key: string,
    work: (current: T | null) => Promise<LockedUpdate<T, R>>,
  ): Promise<R> {
    const lockKey = this.key(`lock:${key}`);
    const token = randomUUID();
    const json = await this.acquire(key, lockKey, token, this.key(key));
    let released = false;
    try {
      const update = await work(json === null ? null : this.parse<T>(key, json));
      if (update.store) {
        // Write and release in one step (one round trip instead of two).
        await storeAndReleaseScript.run(
          this.client,
          [this.key(key), lockKey],
          [JSON.stringify(update.store.value), Math.max(1, Math.ceil(update.store.ttlSeconds * 1000)), token],
        );
        released = true;
      }
      return update.result;
    } finally {
      if (!released) await this.release(lockKey, token);
    }
  }

  /** True when Redis answers PONG within `pingTimeoutMs`; never throws. */
  async ping(): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.pingTimeoutMs);
    });
    const answered = this.client.ping().then(
      (reply) => reply === "PONG",
      () => false,
    );
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Does NOT quit the client: the caller created it, may share it, and quits it on shutdown. */
  async close(): Promise<void> {}

  private key(key: string): string {
    return `${this.options.keyPrefix}${key}`;
  }

  /**
   * Takes the lock, polling until `lockWaitMs`. With `valueKey`, also reads that key in the same round trip
   * and returns its raw JSON (null when absent).
   */
  private async acquire(
    key: string,
    lockKey: string,
    token: string,
    valueKey?: string,
  ): Promise<string | null> {
    const { lockTtlMs, lockWaitMs } = this.options;
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      if (valueKey) {
        const taken = (await lockAndReadScript.run(this.client, [lockKey, valueKey], [token, lockTtlMs])) as
          | [number, string | null]
          | null;
        if (taken?.[0] === 1) return taken[1] ?? null;
      } else if ((await this.client.set(lockKey, token, "PX", lockTtlMs, "NX")) === "OK") {
        return null;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new LockTimeoutError(key, lockWaitMs);
      // Short jittered polls: waiters do not retry in lockstep, and a freed lock is taken within ~20 ms.
      await sleep(Math.min(left, 5 + Math.random() * 15));
    }
  }

  private async release(lockKey: string, token: string): Promise<void> {
    try {
      await releaseLock.run(this.client, [lockKey], [token]);
    } catch {
      // Redis is unreachable: the lock expires by itself after lockTtlMs. Failing here would hide the
      // result (or the error) of work that already ran.
    }
  }
}
