// One contract for every KeyValueStore: the memory store and the Redis store must behave the same.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { MemoryStore } from "../../src/store/memory.js";
import { RedisStore } from "../../src/store/redis.js";
import type { KeyValueStore } from "../../src/store/store.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";

interface Implementation {
  name: string;
  /** Builds a fresh store and the function that tears it (and its connection, keys) down. */
  make(): Promise<{ store: KeyValueStore; dispose(): Promise<void> }>;
}

const implementations: Implementation[] = [
  {
    name: "MemoryStore",
    async make() {
      const store = new MemoryStore();
      return { store, dispose: () => store.close() };
    },
  },
  {
    name: "RedisStore",
    async make() {
      await requireRedis();
      const prefix = uniquePrefix("store");
      const client = new Redis(TEST_REDIS_URL, {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        lazyConnect: true,
      });
      client.on("error", () => {});
      await client.connect();
      const store = new RedisStore(client, { keyPrefix: prefix, lockTtlMs: 10_000, lockWaitMs: 3_000 });
      return {
        store,
        async dispose() {
          await store.close();
          client.disconnect();
          await deletePrefix(prefix);
        },
      };
    },
  },
];

/** Runs `work` under the lock for `key`, recording when it enters and leaves. */
function tracedWork(store: KeyValueStore, key: string, name: string, events: string[], holdMs: number) {
  return store.withLock(key, async () => {
    events.push(`enter ${name}`);
    await sleep(holdMs);
    events.push(`leave ${name}`);
    return name;
  });
}

for (const implementation of implementations) {
  describe(`KeyValueStore contract: ${implementation.name}`, () => {
    let store: KeyValueStore;
    let dispose: () => Promise<void>;

    before(async () => {
      ({ store, dispose } = await implementation.make());
    });

    after(async () => {
      await dispose();
    });

    it("round-trips a nested JSON value, and deletes it", async () => {
      const value = {
        machine: "v3",
        snapshot: { context: { inputs: ["1", "04040404040"], amount: "100.00" } },
      };
      await store.set("session:a", value, 60);
      assert.deepEqual(await store.get("session:a"), value);
      await store.delete("session:a");
      assert.equal(await store.get("session:a"), null);
      assert.equal(await store.get("session:never-set"), null);
    });

    it("stores with setIfAbsent only once, however many callers race", async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.setIfAbsent("inbound:msg-1", { by: i }, 60)),
      );
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.deepEqual(await store.get("inbound:msg-1"), { by: winner });
    });

    it("counts with increment in a window that ends after its TTL", async () => {
      const counts = await Promise.all(Array.from({ length: 5 }, () => store.increment("rate:phone", 1)));
      assert.deepEqual([...counts].sort(), [1, 2, 3, 4, 5]);
      await sleep(1_150);
      assert.equal(await store.increment("rate:phone", 1), 1, "a new window starts from one");
    });

    it("withLockedValue reads, updates and stores one value at a time", async () => {
      const add = () =>
        store.withLockedValue<{ n: number }, number>("counter:a", async (current) => {
          const n = (current?.n ?? 0) + 1;
          await sleep(2);
          return { result: n, store: { value: { n }, ttlSeconds: 60 } };
        });
      const results = await Promise.all(Array.from({ length: 10 }, add));
      assert.deepEqual(
        [...results].sort((a, b) => a - b),
        [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      );
      assert.deepEqual(await store.get("counter:a"), { n: 10 });

      // Work that stores nothing leaves the value alone; work that throws frees the lock.
      assert.equal(
        await store.withLockedValue("counter:a", async () => ({ result: "read only" })),
        "read only",
      );
      assert.deepEqual(await store.get("counter:a"), { n: 10 });
      await assert.rejects(
        store.withLockedValue("counter:a", async () => Promise.reject(new Error("boom"))),
        /boom/,
      );
      assert.equal(await add(), 11);
    });

    it("forgets a value after its TTL", async () => {
      await store.set("session:short", { n: 1 }, 1);
      assert.deepEqual(await store.get("session:short"), { n: 1 });
      await sleep(1_150);
      assert.equal(await store.get("session:short"), null);
    });

    it("withLock runs work on one key one at a time", async () => {
      const events: string[] = [];
      const names = ["a", "b", "c", "d", "e"];
      const results = await Promise.all(names.map((name) => tracedWork(store, "lock-one", name, events, 15)));
      assert.deepEqual(results, names);
      assert.equal(events.length, names.length * 2);
      // Every enter is followed by the leave of the same work: no overlap.
      for (let i = 0; i < events.length; i += 2) {
        const entered = events[i]?.replace("enter ", "");
        assert.equal(events[i + 1], `leave ${entered}`, `overlap in ${events.join(", ")}`);
      }
    });

    it("withLock does not serialise work on different keys", async () => {
      const events: string[] = [];
      await Promise.all([
        tracedWork(store, "lock-x", "x", events, 150),
        tracedWork(store, "lock-y", "y", events, 150),
      ]);
      assert.deepEqual(events.slice(0, 2).sort(), ["enter x", "enter y"]);
    });

    it("withLock releases the lock when work throws", async () => {
      await assert.rejects(
        store.withLock("lock-throw", async () => {
          throw new Error("work failed");
        }),
        /work failed/,
      );
      const started = Date.now();
      assert.equal(await store.withLock("lock-throw", async () => "next"), "next");
      assert.ok(Date.now() - started < 500, "the next holder waited for a lock that should be free");
    });

    it("ping answers true", async () => {
      assert.equal(await store.ping(), true);
    });
  });
}
