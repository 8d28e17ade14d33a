// A just-sold purchase's token SMS leaves at once from the instance that sold it, without a queued job;
// whatever the gateway does not accept then goes to the queue (BullMQ on a real Redis here), which sends
// the rest in order, never a part the gateway had already accepted.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { MemoryJobQueue } from "../../src/jobs/memory.js";
import { createLogger } from "../../src/log.js";
import { AfricasTalkingSmsSender } from "../../src/notify/gateways/africastalking.js";
import { SmsOutbox } from "../../src/notify/outbox.js";
import { startAfricasTalkingSmsDouble } from "../helpers/africastalking-sms-double.js";
import { option, type Rig, startRig } from "../helpers/journey.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";

const THREE_TOKEN_METER = "04040404198";

async function buyThreeTokens(rig: Rig, phone: string): Promise<string> {
  const dialog = rig.dial(phone);
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(THREE_TOKEN_METER);
  await dialog.send("40");
  const paid = await dialog.send("1");
  assert.match(paid, /^END Paid/);
  return /Ref ([A-Z0-9]+)/.exec(paid)?.[1] ?? "";
}

/** The texts the gateway accepted (answered with a message id), in the order it accepted them. */
function accepted(rig: Rig, phone: string): string[] {
  return rig.sms.requests.filter((r) => r.form.to === phone && r.messageId).map((r) => r.form.message ?? "");
}

describe("token SMS sent at once after a sale", function () {
  this.timeout(60_000);
  let prefix: string;
  let rig: Rig;
  let redis: Redis;

  before(() => requireRedis());
  beforeEach(async () => {
    prefix = uniquePrefix("at-once");
    rig = await startRig({ REDIS_URL: TEST_REDIS_URL, KEY_PREFIX: prefix });
    redis = new Redis(TEST_REDIS_URL);
  });
  afterEach(async () => {
    redis.disconnect();
    await rig.close();
    await deletePrefix(prefix);
  });

  it("sends the three tokens in the vendor's order with no job in the queue", async () => {
    const phone = "+26771500001";
    await buyThreeTokens(rig, phone);
    const texts = await rig.waitForSms(phone, 3);
    assert.deepEqual(
      texts.map((t) => /\d\/3/.exec(t)?.[0]),
      ["1/3", "2/3", "3/3"],
    );
    // Nothing of the SMS went through Redis's job queue (its job hashes are `<prefix>bull:sms:<n>`).
    assert.deepEqual(await redis.keys(`${prefix}bull:sms:[0-9]*`), []);
  });

  it("hands a part the gateway refuses to the queue, which sends it and the rest, never part 1 again", async () => {
    const phone = "+26771500002";
    // Part 1 accepted, part 2 refused once (503), then accepted from the queue's retry.
    rig.sms.failNext(1, { kind: "http", status: 503 }, { after: 1 });
    await buyThreeTokens(rig, phone);
    await rig.waitForSms(phone, 4);
    const sent = accepted(rig, phone);
    assert.deepEqual(
      sent.map((t) => /\d\/3/.exec(t)?.[0]),
      ["1/3", "2/3", "3/3"],
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rig.smsTo(phone).length, 4, "three accepted, one refused: nothing sent twice");
  });
});

describe("SmsOutbox sending at once", () => {
  it("queues a notice the gateway defers (do-not-disturb) for later instead of dropping it", async () => {
    const double = await startAfricasTalkingSmsDouble();
    const logger = createLogger("silent");
    const jobs = new MemoryJobQueue(logger);
    try {
      const sender = new AfricasTalkingSmsSender({
        username: "sandbox",
        apiKey: "test-api-key",
        url: double.url,
      });
      const outbox = new SmsOutbox(jobs, sender, logger, { attempts: 3, backoffMs: 50, sendAtOnce: true });
      const told: string[] = [];
      outbox.onPurchaseSms({ told: async (r) => void told.push(r), notReached: async () => undefined });
      double.failNext(1, { kind: "do-not-disturb" });
      await outbox.send("2348031234567", ["Your token"], "tokens P7K2M9QX4A", {
        purchase: "P7K2M9QX4A",
        justSold: true,
      });
      assert.equal(double.requests.length, 1, "tried once, at once");
      assert.deepEqual(await jobs.depth(), { sms: 1 }, "waiting in the queue for the morning");
      assert.deepEqual(told, [], "not told yet");
    } finally {
      await jobs.close();
      await double.close();
    }
  });
});
