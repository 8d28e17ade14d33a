// Several instances of the app on one real Redis: sessions, purchases and SMS work survive moving between
// instances, and nothing is bought twice.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import request from "supertest";
import { type Rig, startRig, type UssdDialog } from "../helpers/journey.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";

function option(screen: string, label: string): string {
  const n = screen
    .split("\n")
    .find((l) => l.includes(label))
    ?.match(/^(\d+) /)?.[1];
  assert.ok(n, `no option "${label}" on screen:\n${screen}`);
  return n;
}

async function buy(dialog: UssdDialog, meter: string, amount: string): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  await dialog.send(amount);
  return dialog.send("1");
}

describe("two instances on one Redis", function () {
  this.timeout(120_000);
  let prefix: string;
  let rig: Rig;

  before(() => requireRedis());
  beforeEach(async () => {
    prefix = uniquePrefix("instances");
    rig = await startRig({ REDIS_URL: TEST_REDIS_URL, KEY_PREFIX: prefix }, { confirmHangMs: 3000 }, 2);
  });
  afterEach(async () => {
    await rig.close();
    await deletePrefix(prefix);
  });

  it("completes 100 concurrent purchases whose callbacks alternate between the instances, each confirmed once", async () => {
    const phones = Array.from({ length: 100 }, (_, i) => `+267710${String(i).padStart(5, "0")}`);
    const results = await Promise.all(phones.map((phone) => buy(rig.dial(phone), "04040404040", "25")));
    const references = results.map((r) => {
      assert.match(r, /^END Paid\./);
      return r.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";
    });
    assert.equal(new Set(references).size, 100, "one purchase each");
    assert.equal(rig.sandbox.stats.confirms.size, 100);
    for (const reference of references) assert.equal(rig.sandbox.stats.confirms.get(reference), 1);
    for (const phone of phones) {
      const [sms] = await rig.waitForSms(phone, 1, 20_000);
      assert.match(sms ?? "", /0404 0404 0400 0000 0081/);
    }
    assert.equal(rig.sms.requests.length, 100, "one token SMS each, none twice");
  });

  it("answers a duplicate callback, and concurrent duplicates on both instances, alike with one vendor call", async () => {
    const dialog = rig.dial("+26771200001");
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404040");
    const validatesBefore = rig.sandbox.stats.validates;
    const quote = await dialog.send("30");
    const [a, b, c] = await Promise.all([dialog.repeat(), dialog.repeat(), dialog.repeat()]);
    assert.equal(a, quote);
    assert.equal(b, quote);
    assert.equal(c, quote);
    assert.equal(rig.sandbox.stats.validates, validatesBefore + 1);

    dialog.inputs.push("1");
    const confirmations = await Promise.all([
      dialog.repeat(),
      dialog.repeat(),
      dialog.repeat(),
      dialog.repeat(),
    ]);
    for (const reply of confirmations) assert.equal(reply, confirmations[0]);
    const reference = confirmations[0]?.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";
    assert.equal(rig.sandbox.stats.confirms.get(reference), 1);
    await rig.waitForSms("+26771200001", 1);
  });

  it("delivers the token SMS once the gateway recovers, without sending it twice", async () => {
    rig.sms.failNext(3, { kind: "http", status: 503 });
    const result = await buy(rig.dial("+26771300001"), "04040404198", "40");
    assert.match(result, /^END Paid/);
    // Three refused attempts of part 1, then parts 1, 2 and 3 accepted once each.
    const texts = await rig.waitForSms("+26771300001", 6, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(rig.smsTo("+26771300001").length, 6);
    assert.match(texts[3] ?? "", /1\/3/);
    assert.match(texts[4] ?? "", /2\/3/);
    assert.match(texts[5] ?? "", /3\/3/);
    assert.equal(new Set(texts.slice(3)).size, 3);
  });

  it("records Africa's Talking delivery reports against the SMS that was sent", async () => {
    await buy(rig.dial("+26771400001"), "04040404040", "20");
    await rig.waitForSms("+26771400001", 1);
    const redis = new Redis(TEST_REDIS_URL);
    try {
      let keys: string[] = [];
      for (let i = 0; i < 40 && keys.length === 0; i++) {
        keys = await redis.keys(`${prefix}sms:sent:*`);
        if (keys.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(keys.length, 1);
      const messageId = (keys[0] ?? "").slice(`${prefix}sms:sent:`.length);
      const res = await request((rig.services[1] ?? rig.service).app)
        .post("/sms/africastalking/delivery")
        .type("form")
        .send({ id: messageId, status: "Success", phoneNumber: "+26771400001", networkCode: "65201" });
      assert.equal(res.status, 200);
      const stored = JSON.parse((await redis.get(keys[0] ?? "")) ?? "{}");
      assert.equal(stored.delivery.status, "Success");
      assert.match(stored.purpose, /^tokens /);

      const bad = await request(rig.service.app)
        .post("/sms/africastalking/delivery")
        .type("form")
        .send({ status: "x" });
      assert.equal(bad.status, 400);
    } finally {
      redis.disconnect();
    }
  });
});
