// Redis flushed (FLUSHALL) in the middle of a purchase: sessions and queued jobs are gone, but the
// purchase is in the ledger (PostgreSQL), so the recovery sweep finds it and the customer gets the token.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { option, type Rig, startRig, type UssdDialog } from "../helpers/journey.js";
import { type OwnRedis, startOwnRedis } from "../helpers/redis.js";

async function buy(dialog: UssdDialog, meter: string): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  await dialog.send("50");
  return dialog.send("1");
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("Redis flushed mid-purchase (FLUSHALL on the instance's own Redis)", function () {
  this.timeout(60_000);
  let redis: OwnRedis;
  let client: Redis;
  let rig: Rig | undefined;

  before(async () => {
    redis = await startOwnRedis();
    client = new Redis(redis.url);
  });
  afterEach(async () => {
    await rig?.close();
    rig = undefined;
  });
  after(async () => {
    client.disconnect();
    await redis.stop();
  });

  it("loses no purchase whose buy hung: the sweep reschedules the lost resolver and the token arrives", async () => {
    // The resolver waits 2.5 s before asking the vendor: the flush lands while its job sits in Redis.
    rig = await startRig(
      { REDIS_URL: redis.url, RESOLVE_BACKOFF_MS: "2500", RECOVERY_INTERVAL_MS: "300" },
      { confirmHangMs: 1500 },
    );
    const phone = "+26771800001";
    const dialog = rig.dial(phone);
    const reply = await buy(dialog, "04040404022");
    assert.match(reply, /^END /);
    assert.doesNotMatch(reply, /unavailable|failed/i);
    assert.ok(
      (await client.keys("*bull:resolve-purchase:*")).length > 0,
      "the resolver's job was waiting in Redis",
    );

    await client.flushall();
    assert.equal(await client.dbsize(), 0);

    const [token] = await rig.waitForSms(phone, 1, 20_000);
    assert.match(token ?? "", /0404 0404 0220 0000 0022/);
    assert.equal(
      [...rig.sandbox.stats.confirms.values()].reduce((a, b) => a + b, 0),
      1,
      "one confirm",
    );
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(rig.smsTo(phone).length, 1, "one token SMS");
  });

  it("loses no token SMS whose job was flushed while the gateway was failing: the sweep sends it again", async () => {
    // CONFIRM_TIMEOUT_MS 800 in the rig: a finished purchase untold for 5.8 s is swept.
    rig = await startRig({ REDIS_URL: redis.url, SMS_BACKOFF_MS: "60000", RECOVERY_INTERVAL_MS: "300" });
    rig.sms.failNext(1, { kind: "http", status: 500 });
    const phone = "+26771800002";
    assert.match(await buy(rig.dial(phone), "04040404040"), /^END Paid/);
    // The first send (at once, after the sale) failed; its retry waits a minute in Redis.
    await until(() => rig?.sms.requests.some((r) => r.form.to === phone) ?? false, 5000, "the first attempt");
    await until(
      async () => (await client.keys("*bull:sms:*")).length > 0,
      5000,
      "the retry's job waiting in Redis",
    );

    await client.flushall();

    const texts = await rig.waitForSms(phone, 2, 20_000);
    assert.match(texts[1] ?? "", /0404 0404 0400 0000 0081/);
    assert.equal(texts[0], texts[1], "the failed attempt and the resend carry the same token");
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(rig.smsTo(phone).length, 2, "sent once more, not at every sweep");
  });
});
