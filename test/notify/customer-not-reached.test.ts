// A token SMS the gateway accepted but the telco never delivered (delivery report AbsentSubscriber,
// Expired, Rejected, Failed) marks the purchase "customer not reached" for the operator; the token stays
// recoverable through "My last tokens". A token SMS the gateway refuses for good does the same.
import assert from "node:assert/strict";
import request from "supertest";
import { connectPostgres } from "../../src/database/postgres.js";
import { createLogger } from "../../src/log.js";
import { SqlLedger } from "../../src/purchases/sql-ledger.js";
import { option, type Rig, startRig, type UssdDialog } from "../helpers/journey.js";

async function buy(dialog: UssdDialog): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send("04040404040");
  await dialog.send("20");
  const reply = await dialog.send("1");
  const reference = /Ref ([A-Z0-9]+)/.exec(reply)?.[1];
  assert.ok(reference, reply);
  return reference;
}

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const until = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("customer not reached by SMS", function () {
  this.timeout(30_000);
  let rig: Rig;
  let ledger: SqlLedger;
  let close: () => Promise<void>;

  beforeEach(async () => {
    rig = await startRig({ SMS_ATTEMPTS: "2" });
    const db = connectPostgres(rig.databaseUrl ?? "", createLogger("silent"));
    ledger = new SqlLedger(db);
    close = () => db.close();
  });
  afterEach(async () => {
    await close();
    await rig.close();
  });

  for (const status of ["AbsentSubscriber", "Expired", "Rejected", "Failed"]) {
    it(`marks the purchase when the token SMS's delivery report says ${status}; the token is still there`, async () => {
      const phone = "+26771300001";
      const reference = await buy(rig.dial(phone));
      const [token] = await rig.waitForSms(phone, 1);
      await eventually(
        () => ledger.get(reference),
        (r) => r?.notified === true,
        "the purchase to be told",
      );
      const messageId = rig.sms.requests.find((r) => r.form.to === phone)?.messageId;
      assert.ok(messageId);

      const res = await request(rig.service.app)
        .post("/sms/africastalking/delivery")
        .type("form")
        .send({ id: messageId, status, phoneNumber: phone, failureReason: "DeliveryFailure" });
      assert.equal(res.status, 200);
      const record = await eventually(
        () => ledger.get(reference),
        (r) => r?.customerNotReached === true,
        "customer not reached",
      );
      assert.equal(record?.status, "SUCCESSFUL");

      const again = rig.dial(phone);
      const menu = await again.start();
      assert.match(
        await again.send(option(menu, "My last tokens")),
        /^END Your last tokens are on their way/,
      );
      assert.equal((await rig.waitForSms(phone, 2))[1], token);
    });
  }

  it("leaves a purchase alone when its SMS was delivered", async () => {
    const phone = "+26771300002";
    const reference = await buy(rig.dial(phone));
    await rig.waitForSms(phone, 1);
    const messageId = rig.sms.requests.find((r) => r.form.to === phone)?.messageId;
    await request(rig.service.app)
      .post("/sms/africastalking/delivery")
      .type("form")
      .send({ id: messageId, status: "Success", phoneNumber: phone });
    const record = await eventually(
      () => ledger.get(reference),
      (r) => r?.notified === true,
      "told",
    );
    assert.equal(record?.customerNotReached, undefined);
  });

  it("marks the purchase and flags it for the operator when the gateway refuses the token SMS for good", async () => {
    const phone = "+26771300003";
    rig.sms.failNext(1, { kind: "recipient", statusCode: 406, status: "UserInBlacklist" });
    const reference = await buy(rig.dial(phone));
    const record = await eventually(
      () => ledger.get(reference),
      (r) => r?.customerNotReached === true,
      "customer not reached",
    );
    assert.equal(record?.needsOperator, true);
    assert.notEqual(record?.notified, true);
  });
});
