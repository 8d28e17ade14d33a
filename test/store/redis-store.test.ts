// What only the Redis store has to get right: locks across connections (instances), dead holders,
// give-up after lockWaitMs, and a Redis that goes away and comes back.
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis, type RedisOptions } from "ioredis";
import { LockTimeoutError, RedisStore, type RedisStoreOptions } from "../../src/store/redis.js";
import {
  deletePrefix,
  type OwnRedis,
  requireRedis,
  startOwnRedis,
  TEST_REDIS_URL,
  uniquePrefix,
} from "../helpers/redis.js";

// As the app creates its client: fail fast instead of queueing while disconnected.
const CLIENT_OPTIONS: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 1 };

describe("RedisStore on real Redis", () => {
  const prefix = uniquePrefix("redis-store");
  const clients: Redis[] = [];

  /** A connected client (without an offline queue, a command sent before "ready" would fail). */
  async function connect(url = TEST_REDIS_URL, options: RedisOptions = {}): Promise<Redis> {
    const client = new Redis(url, { ...CLIENT_OPTIONS, ...options, lazyConnect: true });
    client.on("error", () => {});
    clients.push(client);
    await client.connect();
    return client;
  }

  function storeOn(client: Redis, options: Partial<RedisStoreOptions> = {}): RedisStore {
    return new RedisStore(client, { keyPrefix: prefix, lockTtlMs: 10_000, lockWaitMs: 3_000, ...options });
  }

  before(async () => {
    await requireRedis();
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await deletePrefix(prefix);
  });

  it("stores values with SET … EX under the key prefix", async () => {
    const client = await connect();
    await storeOn(client).set("session:ttl", { a: 1 }, 60);
    assert.equal(await client.get(`${prefix}session:ttl`), '{"a":1}');
    const ttl = await client.ttl(`${prefix}session:ttl`);
    assert.ok(ttl > 55 && ttl <= 60, `ttl ${ttl}`);
  });

  it("two instances on two connections serialise on the same key", async () => {
    const stores = [storeOn(await connect()), storeOn(await connect())];
    const events: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        (stores[i % 2] as RedisStore).withLock("shared", async () => {
          events.push(`enter ${i}`);
          await sleep(10);
          events.push(`leave ${i}`);
        }),
      ),
    );
    assert.equal(events.length, 16);
    for (let i = 0; i < events.length; i += 2) {
      assert.equal(events[i + 1], events[i]?.replace("enter", "leave"), `overlap in ${events.join(", ")}`);
    }
  });

  it("takes a lock whose holder died once it expires", async () => {
    const client = await connect();
    await client.set(`${prefix}lock:orphan`, "dead-holder", "PX", 300);
    const started = Date.now();
    const result = await storeOn(client).withLock("orphan", async () => Date.now() - started);
    assert.ok(result >= 250, `entered after ${result} ms, before the dead holder's lock expired`);
    assert.ok(result < 1_000, `entered only after ${result} ms`);
    assert.equal(await client.exists(`${prefix}lock:orphan`), 0, "our lock was not released");
  });

  it("throws LockTimeoutError after lockWaitMs while the lock stays held", async () => {
    const client = await connect();
    await client.set(`${prefix}lock:held`, "other-holder", "PX", 10_000);
    let ran = false;
    const started = Date.now();
    await assert.rejects(
      storeOn(client, { lockWaitMs: 300 }).withLock("held", async () => {
        ran = true;
      }),
      (error) => error instanceof LockTimeoutError && error.key === "held",
    );
    const waited = Date.now() - started;
    assert.ok(waited >= 290 && waited < 1_000, `gave up after ${waited} ms`);
    assert.equal(ran, false);
    assert.equal(await client.get(`${prefix}lock:held`), "other-holder", "someone else's lock was touched");
  });

  it("never deletes a lock that expired and was taken by someone else", async () => {
    const client = await connect();
    const store = storeOn(client, { lockTtlMs: 100 });
    await store.withLock("slow", async () => {
      await sleep(200); // outlives our lock…
      await client.set(`${prefix}lock:slow`, "next-holder", "PX", 5_000); // …which another holder takes
    });
    assert.equal(await client.get(`${prefix}lock:slow`), "next-holder");
  });

  describe("when Redis goes away", () => {
    let own: OwnRedis;
    let store: RedisStore;

    before(async () => {
      own = await startOwnRedis();
      // Reconnect every 100 ms, as the app's client does, so the store comes back by itself.
      store = storeOn(await connect(own.url, { retryStrategy: () => 100 }));
    });

    after(async () => {
      await own.stop();
    });

    it("ping answers false quickly, commands reject, and all is well again once it is back", async () => {
      assert.equal(await store.ping(), true);
      await store.set("k", { v: 1 }, 60);

      await own.stop();
      let started = Date.now();
      assert.equal(await store.ping(), false);
      assert.ok(Date.now() - started < 1_500, `ping took ${Date.now() - started} ms`);
      started = Date.now();
      await assert.rejects(store.get("k"));
      assert.ok(Date.now() - started < 1_500, `get took ${Date.now() - started} ms to fail`);

      await own.start();
      const until = Date.now() + 5_000;
      while (!(await store.ping())) {
        assert.ok(Date.now() < until, "the client did not reconnect within 5 s");
        await sleep(50);
      }
      await store.set("k", { v: 2 }, 60);
      assert.deepEqual(await store.get("k"), { v: 2 });
    });

    it("ping answers false after pingTimeoutMs when Redis is up but does not answer", async () => {
      const admin = await connect(own.url);
      await admin.call("CLIENT", "PAUSE", "1500", "ALL");
      const started = Date.now();
      assert.equal(await store.ping(), false);
      const took = Date.now() - started;
      assert.ok(took >= 900 && took < 1_300, `ping answered after ${took} ms`);
    });
  });
});
