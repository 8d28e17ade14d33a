// Liveness answers whenever the process does; readiness follows the store and the vendor catalogue.
import assert from "node:assert/strict";
import request from "supertest";
import { type Rig, startRig } from "../helpers/journey.js";
import { sample } from "../helpers/prometheus.js";
import { type OwnRedis, startOwnRedis } from "../helpers/redis.js";

describe("liveness and readiness", function () {
  this.timeout(30_000);
  let redis: OwnRedis;
  let rig: Rig;
  before(async () => {
    redis = await startOwnRedis();
    rig = await startRig({ REDIS_URL: redis.url });
  });
  after(async () => {
    await redis.start().catch(() => {});
    await rig.close();
    await redis.stop();
  });

  it("is live and ready with Redis up; live but not ready with Redis down; ready again after", async () => {
    const app = rig.service.app;
    assert.equal((await request(app).get("/health/live")).status, 200);
    const ready = await request(app).get("/health/ready");
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.body, { status: "ready", storeReachable: true, catalogueLoaded: true });
    const up = await request(app).get("/metrics");
    assert.equal(sample(up.text, "vending_store_up", { store: "redis" }), 1);
    assert.equal(sample(up.text, "vending_purchases_open", { state: "UNKNOWN" }), 0);

    await redis.stop();
    assert.equal((await request(app).get("/health/live")).status, 200);
    const down = await request(app).get("/health/ready");
    assert.equal(down.status, 503);
    assert.equal(down.body.storeReachable, false);
    assert.equal(down.body.catalogueLoaded, true);
    assert.equal((await request(app).get("/health")).status, 503, "/health as before");
    const scrape = await request(app).get("/metrics");
    assert.equal(scrape.status, 200, "metrics still answer");
    assert.equal(sample(scrape.text, "vending_store_up", { store: "redis" }), 0);
    // Open purchases are read from the ledger of record (SQL), which a Redis outage does not touch.
    assert.equal(sample(scrape.text, "vending_purchases_open", { state: "UNKNOWN" }), 0);

    await redis.start();
    const until = Date.now() + 20_000;
    let status = 503;
    while (status !== 200 && Date.now() < until) {
      status = (await request(app).get("/health/ready")).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200);
  });

  it("is not ready while the vendor's catalogue cannot be read", async () => {
    // A service whose vendor is unreachable from the start: nothing cached, nothing to sell.
    const blind = await startRig({ SCRATCHPOWER_URL: "http://127.0.0.1:9", VENDOR_TIMEOUT_MS: "500" });
    try {
      const res = await request(blind.service.app).get("/health/ready");
      assert.equal(res.status, 503);
      assert.equal(res.body.catalogueLoaded, false);
      assert.equal(res.body.storeReachable, true);
      assert.equal((await request(blind.service.app).get("/health/live")).status, 200);
    } finally {
      await blind.close();
    }
  });
});
