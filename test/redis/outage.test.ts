// Redis stopped and started again under a running instance: polite outage replies and 503 while it is
// down, then service resumes by itself and nothing bought before the outage is lost.
import assert from "node:assert/strict";
import request from "supertest";
import { type Rig, startRig, type UssdDialog } from "../helpers/journey.js";
import { type OwnRedis, startOwnRedis } from "../helpers/redis.js";

function option(screen: string, label: string): string {
  const n = screen
    .split("\n")
    .find((l) => l.includes(label))
    ?.match(/^(\d+) /)?.[1];
  assert.ok(n, `no option "${label}" on screen:\n${screen}`);
  return n;
}

async function buy(dialog: UssdDialog): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send("04040404040");
  await dialog.send("45");
  return dialog.send("1");
}

describe("Redis outage", function () {
  this.timeout(60_000);
  let redis: OwnRedis;
  let rig: Rig;

  before(async () => {
    redis = await startOwnRedis({ persistent: true });
    rig = await startRig({ REDIS_URL: redis.url, RECOVERY_INTERVAL_MS: "500" });
  });
  after(async () => {
    await redis.start().catch(() => {});
    await rig.close();
    await redis.stop();
  });

  it("declines politely and reports 503 while Redis is down, then recovers with nothing lost", async () => {
    const phone = "+26771600001";
    assert.match(await buy(rig.dial(phone)), /^END Paid/);
    const [token] = await rig.waitForSms(phone, 1);

    await redis.stop();
    const started = Date.now();
    const res = await request(rig.service.app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId: "ATUid_outage", serviceCode: "*384#", phoneNumber: phone, text: "" });
    assert.equal(res.status, 200);
    assert.match(res.text, /^END Sorry, the service is briefly unavailable/);
    assert.ok(Date.now() - started < 5000, `outage reply took ${Date.now() - started} ms`);
    const health = await request(rig.service.app).get("/health");
    assert.equal(health.status, 503);

    await redis.start();
    const until = Date.now() + 20_000;
    let status = 503;
    while (status !== 200 && Date.now() < until) {
      status = (await request(rig.service.app).get("/health")).status;
      if (status !== 200) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(status, 200, "health recovered by itself");

    // The purchase from before the outage is still there: its tokens can be sent again.
    const again = rig.dial(phone);
    const menu = await again.start();
    assert.match(await again.send(option(menu, "My last tokens")), /^END Your last tokens are on their way/);
    const texts = await rig.waitForSms(phone, 2, 15_000);
    assert.equal(texts[1], token);

    assert.match(await buy(rig.dial("+26771600002")), /^END Paid/);
    await rig.waitForSms("+26771600002", 1, 15_000);
  });

  it("never says 'unavailable' to a customer whose buy may have been sent when Redis fails mid-callback", async () => {
    const phone = "+26771600003";
    const dialog = rig.dial(phone);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404040");
    assert.match(await dialog.send("45"), /John Smith/);
    // The buy takes a while at the vendor; Redis goes away while it is in flight, before the session is
    // written back.
    rig.sandbox.setLatencyMs(800);
    const paying = dialog.send("1");
    await new Promise((r) => setTimeout(r, 300));
    await redis.stop();
    const reply = await paying;
    assert.doesNotMatch(reply, /unavailable|failed|not been charged/i);
    assert.match(reply, /^END (Paid|Your purchase is being processed)/);
    rig.sandbox.setLatencyMs(0);
    await redis.start();
    // The ledger (PostgreSQL) has the sale; once Redis is back the customer gets the token.
    const [token] = await rig.waitForSms(phone, 1, 20_000);
    assert.match(token ?? "", /0404 0404 0400 0000 0081/);
    assert.equal(rig.sandbox.stats.confirms.size > 0, true);
  });
});
