// An instance killed with SIGKILL while its confirm is in flight: another instance resolves the purchase
// with retry only. The vendor sees one confirm; the customer gets one token SMS.
import assert from "node:assert/strict";
import request from "supertest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/log.js";
import { buildService, type Service } from "../../src/main.js";
import { type SandboxHandle, startScratchPowerSandbox } from "../../src/vending/sandbox/scratchpower-v1.js";
import {
  type AfricasTalkingSmsDouble,
  startAfricasTalkingSmsDouble,
} from "../helpers/africastalking-sms-double.js";
import { spawnInstance } from "../helpers/instance-process.js";
import { createTestDatabase, openTestLedger, type TestDatabase } from "../helpers/postgres.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";
import { scratchPowerSandboxEnv } from "../helpers/scratchpower-env.js";

const PHONE = "+26771500001";

describe("crash recovery across instances (real processes, real Redis)", function () {
  this.timeout(90_000);
  let sandbox: SandboxHandle;
  let sms: AfricasTalkingSmsDouble;
  let prefix: string;
  let env: Record<string, string>;
  let database: TestDatabase;

  before(() => requireRedis());
  beforeEach(async () => {
    database = await createTestDatabase("crash");
    sandbox = await startScratchPowerSandbox({ confirmHangMs: 4000 });
    sms = await startAfricasTalkingSmsDouble();
    prefix = uniquePrefix("crash");
    env = {
      REDIS_URL: TEST_REDIS_URL,
      DATABASE_URL: database.url,
      KEY_PREFIX: prefix,
      ...scratchPowerSandboxEnv(sandbox.url),
      SMS_PROVIDER: "africastalking",
      AFRICASTALKING_USERNAME: "vendingco",
      AFRICASTALKING_API_KEY: "test-api-key",
      AFRICASTALKING_SMS_URL: sms.url,
      CONFIRM_WAIT_MS: "2000",
      CONFIRM_TIMEOUT_MS: "3000",
      RESOLVE_BACKOFF_MS: "200",
      SMS_BACKOFF_MS: "100",
      RECOVERY_INTERVAL_MS: "500",
    };
  });
  afterEach(async () => {
    await sandbox.close();
    await sms.close();
    await deletePrefix(prefix);
    await database.drop();
  });

  it("resolves a purchase whose instance died mid-confirm with retry, never a second confirm", async () => {
    const a = await spawnInstance(env);
    let b: Service | undefined;
    try {
      const post = (text: string) =>
        request(a.url)
          .post("/ussd/africastalking")
          .type("form")
          .send({ sessionId: "ATUid_crash", serviceCode: "*384#", phoneNumber: PHONE, text });
      await post("");
      await post("1");
      await post("1*04040404022");
      const quote = await post("1*04040404022*50");
      assert.match(quote.text, /Kagiso Molefe/);

      const confirming = post("1*04040404022*50*1").then(
        () => "answered",
        () => "connection lost",
      );
      for (let i = 0; i < 100 && sandbox.stats.confirms.size === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      assert.equal(sandbox.stats.confirms.size, 1, "the confirm reached the vendor");
      await a.kill("SIGKILL");
      assert.equal(await confirming, "connection lost");

      // Another instance (fresh process state, same Redis) notices and resolves.
      b = await buildService(loadConfig({ ...env, LOG_LEVEL: "silent" }), createLogger("silent"));
      const until = Date.now() + 30_000;
      while (sms.requests.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      assert.equal(sms.requests.length, 1, "a token SMS arrived");
      assert.match(sms.requests[0]?.form.message ?? "", /0404 0404 0220 0000 0022/);
      assert.equal(sms.requests[0]?.form.to, PHONE);
      assert.ok(sandbox.stats.retries >= 1, "resolved with retry");
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(
        [...sandbox.stats.confirms.values()].reduce((x, y) => x + y, 0),
        1,
        "exactly one confirm, ever",
      );
      assert.equal(sms.requests.length, 1, "exactly one token SMS");
    } finally {
      await a.kill("SIGKILL");
      await b?.close();
    }
  });

  it("finishes a callback in flight on SIGTERM, then exits cleanly", async () => {
    const a = await spawnInstance(env);
    sandbox.setLatencyMs(800);
    const reply = request(a.url)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId: "ATUid_term", serviceCode: "*384#", phoneNumber: PHONE, text: "" });
    const answered = reply.then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    a.child.kill("SIGTERM");
    const res = await answered;
    assert.equal(res.status, 200);
    assert.match(res.text, /^CON Buy:/);
    assert.equal(await a.exited, 0);
  });
});

describe("recovery of a finished purchase whose customer was never told", function () {
  this.timeout(30_000);
  before(() => requireRedis());

  it("sends the token SMS once when an instance died between recording the sale and queueing the SMS", async () => {
    const sandbox = await startScratchPowerSandbox();
    const sms = await startAfricasTalkingSmsDouble();
    const prefix = uniquePrefix("untold");
    const { ledger, url, dispose } = await openTestLedger(() => new Date(Date.now() - 60_000));
    let service: Service | undefined;
    try {
      // What the dead instance left: a sale recorded a minute ago, nobody told.
      await ledger.create({
        reference: "UNTOLD0001",
        channel: "USSD",
        sessionId: "ATUid_untold",
        phone: "26771700001",
        recipient: "26771700001",
        productType: "ELECTRICITY",
        productName: "Electricity",
        subscriberLabel: "Meter number",
        providerCode: "P",
        subscriberId: "12345678901",
        amount: "50.00",
        charge: "3.00",
        total: "53.00",
        currency: "BWP",
        sourceChannel: "USSD",
      });
      await ledger.transition("UNTOLD0001", ["QUOTED"], "CONFIRMING");
      await ledger.transition("UNTOLD0001", ["CONFIRMING"], "SUCCESSFUL", {
        token: "1111 2222 3333 4444 5555",
        units: "4.0 kWh",
      });

      service = await buildService(
        loadConfig({
          REDIS_URL: TEST_REDIS_URL,
          DATABASE_URL: url,
          KEY_PREFIX: prefix,
          ...scratchPowerSandboxEnv(sandbox.url),
          SMS_PROVIDER: "africastalking",
          AFRICASTALKING_USERNAME: "vendingco",
          AFRICASTALKING_API_KEY: "test-api-key",
          AFRICASTALKING_SMS_URL: sms.url,
          CONFIRM_TIMEOUT_MS: "1000",
          RECOVERY_INTERVAL_MS: "200",
          LOG_LEVEL: "silent",
        }),
        createLogger("silent"),
      );
      const until = Date.now() + 10_000;
      while (sms.requests.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      assert.equal(sms.requests.length, 1);
      assert.match(sms.requests[0]?.form.message ?? "", /1111 2222 3333 4444 5555/);
      await new Promise((r) => setTimeout(r, 800));
      assert.equal(sms.requests.length, 1, "told once, not at every sweep");
      assert.equal((await ledger.get("UNTOLD0001"))?.notified, true);
      assert.equal(sandbox.stats.retries + [...sandbox.stats.confirms.values()].length, 0, "no vendor call");
    } finally {
      await service?.close();
      await sandbox.close();
      await sms.close();
      await deletePrefix(prefix);
      await dispose();
    }
  });
});
