// What only the Redis ledger has to get right: expiry of abandoned quotes, claims raced by two app
// instances on their own connections, the key layout, and records that cannot be read.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import type { NewPurchase } from "../../src/purchases/ledger.js";
import { RedisLedger } from "../../src/purchases/redis-ledger.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";

function purchase(reference: string, overrides: Partial<NewPurchase> = {}): NewPurchase {
  return {
    reference,
    channel: "USSD",
    sessionId: `session-${reference}`,
    phone: "26771234567",
    recipient: "26772345678",
    productType: "ELECTRICITY",
    productName: "Electricity",
    subscriberLabel: "Meter Number",
    providerCode: "BPC",
    subscriberId: "04040404040",
    amount: "100.00",
    charge: "3.00",
    total: "103.00",
    currency: "BWP",
    sourceChannel: "USSD",
    ...overrides,
  };
}

describe("RedisLedger on real Redis", () => {
  const prefix = uniquePrefix("redis-ledger");
  const clients: Redis[] = [];
  let client: Redis;
  let ledger: RedisLedger;

  async function connect(): Promise<Redis> {
    const connection = new Redis(TEST_REDIS_URL, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: true,
    });
    connection.on("error", () => {});
    clients.push(connection);
    await connection.connect();
    return connection;
  }

  before(async () => {
    await requireRedis();
    client = await connect();
    ledger = new RedisLedger(client, { keyPrefix: prefix, quotedTtlSeconds: 600 });
  });

  after(async () => {
    for (const connection of clients) connection.disconnect();
    await deletePrefix(prefix);
  });

  it("expires a QUOTED purchase and its session index, and keeps them for good once confirming", async () => {
    await ledger.create(purchase("TTL0000001", { sessionId: "ttl-session" }));
    const recordTtl = await client.ttl(`${prefix}purchase:TTL0000001`);
    const sessionTtl = await client.ttl(`${prefix}purchases:session:ttl-session`);
    assert.ok(recordTtl > 590 && recordTtl <= 600, `record ttl ${recordTtl}`);
    assert.ok(sessionTtl > 590 && sessionTtl <= 600, `session ttl ${sessionTtl}`);

    await ledger.transition("TTL0000001", ["QUOTED"], "CONFIRMING");
    assert.equal(await client.ttl(`${prefix}purchase:TTL0000001`), -1);
    assert.equal(await client.ttl(`${prefix}purchases:session:ttl-session`), -1);

    // A later quote in the same session expires alone; the session index stays.
    await ledger.create(purchase("TTL0000002", { sessionId: "ttl-session" }));
    assert.ok((await client.ttl(`${prefix}purchase:TTL0000002`)) > 590);
    assert.equal(await client.ttl(`${prefix}purchases:session:ttl-session`), -1);
  });

  it("keeps the TTL of a QUOTED purchase across an update", async () => {
    await ledger.create(purchase("TTL0000003"));
    await ledger.update("TTL0000003", { failureReason: "note" });
    assert.ok((await client.ttl(`${prefix}purchase:TTL0000003`)) > 590);
  });

  it("lets exactly one of two instances on their own connections claim a purchase", async () => {
    const instances = [
      new RedisLedger(await connect(), { keyPrefix: prefix }),
      new RedisLedger(await connect(), { keyPrefix: prefix }),
    ];
    for (let round = 1; round <= 5; round++) {
      const reference = `CLAIM0000${round}`;
      await ledger.create(purchase(reference));
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (instances[i % 2] as RedisLedger).transition(reference, ["QUOTED"], "CONFIRMING"),
        ),
      );
      assert.equal(claims.filter((claim) => claim !== null).length, 1, `round ${round}`);
      const record = await ledger.get(reference);
      assert.deepEqual(
        record?.history.map((h) => h.status),
        ["QUOTED", "CONFIRMING"],
      );
    }
  });

  it("indexes a successful purchase with a token under both phones, scored by createdAt", async () => {
    const created = await ledger.create(purchase("INDEX00001"));
    await ledger.transition("INDEX00001", ["QUOTED"], "SUCCESSFUL", { token: "1234" });
    for (const phone of ["26771234567", "26772345678"]) {
      const score = await client.zscore(`${prefix}purchases:phone:${phone}`, "INDEX00001");
      assert.equal(Number(score), Date.parse(created.createdAt), phone);
    }
    // Successful but the customer not told yet: still needs attention.
    assert.equal(await client.sismember(`${prefix}purchases:unresolved`, "INDEX00001"), 1);
    await ledger.update("INDEX00001", { notified: true });
    assert.equal(await client.sismember(`${prefix}purchases:unresolved`, "INDEX00001"), 0);
  });

  it("skips a quote that expired in the session list", async () => {
    await ledger.create(purchase("EXPIRED001", { sessionId: "expiring" }));
    await ledger.create(purchase("EXPIRED002", { sessionId: "expiring" }));
    await client.del(`${prefix}purchase:EXPIRED001`); // as its TTL would
    assert.deepEqual(
      (await ledger.forSession("expiring")).map((r) => r.reference),
      ["EXPIRED002"],
    );
  });

  it("reports a corrupt record as an error naming its reference", async () => {
    await client.set(`${prefix}purchase:CORRUPT001`, "{not json");
    await assert.rejects(ledger.get("CORRUPT001"), /CORRUPT001.*not valid JSON/);
    await assert.rejects(ledger.transition("CORRUPT001", ["QUOTED"], "CONFIRMING"), /CORRUPT001/);
    await assert.rejects(ledger.update("CORRUPT001", { needsOperator: true }), /CORRUPT001/);
    assert.equal(
      await client.get(`${prefix}purchase:CORRUPT001`),
      "{not json",
      "the corrupt record was overwritten",
    );

    // Valid JSON, wrong shape.
    await client.set(
      `${prefix}purchase:CORRUPT002`,
      JSON.stringify({ reference: "CORRUPT002", status: "PAID" }),
    );
    await client.sadd(`${prefix}purchases:session:corrupt`, "CORRUPT002");
    await assert.rejects(ledger.get("CORRUPT002"), /CORRUPT002.*invalid/);
    await assert.rejects(ledger.forSession("corrupt"), /CORRUPT002/);
  });
});
