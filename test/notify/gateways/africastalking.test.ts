import assert from "node:assert/strict";
import {
  AFRICASTALKING_LIVE_SMS_URL,
  AFRICASTALKING_SANDBOX_SMS_URL,
  AfricasTalkingSmsSender,
  defaultSmsUrl,
} from "../../../src/notify/gateways/africastalking.js";
import { SmsSendError } from "../../../src/notify/sender.js";
import {
  type AfricasTalkingSmsDouble,
  startAfricasTalkingSmsDouble,
} from "../../helpers/africastalking-sms-double.js";

const API_KEY = "atsk_test_0123456789abcdef";
const TEXT = "Electricity token:\n0404 0404 0400 0000 0081\n8.1 kWh, BWP 100.00. Ref PX7K2M9Q4T";

/** Runs `send` and returns the SmsSendError it must throw. */
async function sendError(send: () => Promise<unknown>): Promise<SmsSendError> {
  try {
    await send();
  } catch (error) {
    assert.ok(error instanceof SmsSendError, `expected SmsSendError, got ${error}`);
    return error;
  }
  assert.fail("send should have failed");
}

describe("Africa's Talking SMS gateway", () => {
  let double: AfricasTalkingSmsDouble;
  let sender: AfricasTalkingSmsSender;

  beforeEach(async () => {
    double = await startAfricasTalkingSmsDouble({ apiKey: API_KEY });
    sender = new AfricasTalkingSmsSender({
      username: "vendco",
      apiKey: API_KEY,
      senderId: "VENDCO",
      url: double.url,
      timeoutMs: 500,
    });
  });

  afterEach(() => double.close());

  it("posts the documented form with the apiKey header and returns the message id", async () => {
    const receipt = await sender.send({ to: "26771436390", text: TEXT });

    assert.deepEqual(receipt, { messageId: "ATXid_double_1" });
    assert.equal(double.requests.length, 1);
    const [request] = double.requests;
    assert.deepEqual(request?.form, {
      username: "vendco",
      to: "+26771436390",
      message: TEXT,
      from: "VENDCO",
    });
    assert.equal(request?.headers.apikey, API_KEY);
    assert.equal(request?.headers.accept, "application/json");
    assert.match(request?.headers["content-type"] ?? "", /^application\/x-www-form-urlencoded/);
  });

  it("leaves out `from` when no sender id is configured, so the shared sender is used", async () => {
    const shared = new AfricasTalkingSmsSender({ username: "vendco", apiKey: API_KEY, url: double.url });
    await shared.send({ to: "+26771436390", text: "hello" });
    assert.deepEqual(double.requests[0]?.form, { username: "vendco", to: "+26771436390", message: "hello" });
  });

  it("reports a server error as retryable, then sends once the gateway recovers", async () => {
    double.failNext(2, { kind: "http", status: 503 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const error = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
      assert.equal(error.retryable, true);
      assert.match(error.message, /HTTP 503/);
    }
    const receipt = await sender.send({ to: "26771436390", text: TEXT });
    assert.ok(receipt.messageId?.startsWith("ATXid_"));
    assert.equal(double.requests.length, 3);
  });

  it("reports insufficient balance and gateway errors as retryable", async () => {
    double.failNext(1, { kind: "recipient", statusCode: 405, status: "InsufficientBalance" });
    double.failNext(1, { kind: "recipient", statusCode: 501, status: "GatewayError" });
    const balance = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.equal(balance.retryable, true);
    assert.match(balance.message, /InsufficientBalance \(405\)/);
    const gateway = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.equal(gateway.retryable, true);
  });

  it("defers a do-not-disturb refusal (HTTP 409) to the end of Nigeria's 20:00–08:00 window", async () => {
    const at = (iso: string) =>
      new AfricasTalkingSmsSender({
        username: "vendco",
        apiKey: API_KEY,
        url: double.url,
        now: () => new Date(iso),
      });
    double.failNext(3, { kind: "do-not-disturb" });
    // 21:30 in Lagos (UTC+1): retried at 08:00 the next morning.
    const evening = await sendError(() =>
      at("2026-03-02T20:30:00Z").send({ to: "2348031234567", text: TEXT }),
    );
    assert.equal(evening.retryable, true);
    assert.equal(evening.notBefore?.toISOString(), "2026-03-03T07:00:00.000Z");
    // 03:00 in Lagos: 08:00 the same morning.
    const night = await sendError(() => at("2026-03-03T02:00:00Z").send({ to: "2348031234567", text: TEXT }));
    assert.equal(night.notBefore?.toISOString(), "2026-03-03T07:00:00.000Z");
    // Outside the window: retried with the usual backoff, never dropped.
    const day = await sendError(() => at("2026-03-03T12:00:00Z").send({ to: "2348031234567", text: TEXT }));
    assert.equal(day.retryable, true);
    assert.equal(day.notBefore, undefined);
    assert.match(day.message, /DoNotDisturbRejection/);
  });

  it("reports an invalid phone number as not retryable", async () => {
    const error = await sendError(() => sender.send({ to: "2671", text: TEXT }));
    assert.equal(error.retryable, false);
    assert.match(error.message, /InvalidPhoneNumber \(403\)/);
    assert.equal(double.requests[0]?.form.to, "+2671");
  });

  it("reports a blacklisted recipient as not retryable", async () => {
    double.failNext(1, { kind: "recipient", statusCode: 406, status: "UserInBlacklist" });
    const error = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.equal(error.retryable, false);
  });

  it("reports a whole-request failure answered with 201 and no recipients", async () => {
    double.failNext(1, { kind: "request", message: "InvalidSenderId" });
    const error = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.match(error.message, /InvalidSenderId/);
    assert.equal(error.retryable, true, "a sender id is fixed in the account, not in the message");
  });

  it("reports a timeout as retryable", async () => {
    double.failNext(1, { kind: "slow", ms: 2_000 });
    const started = Date.now();
    const error = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.equal(error.retryable, true);
    assert.match(error.message, /timed out after 500 ms/);
    assert.ok(Date.now() - started < 1_500, "gave up at its own timeout");
  });

  it("reports an unreachable gateway as retryable", async () => {
    const url = double.url;
    await double.close();
    const error = await sendError(() =>
      new AfricasTalkingSmsSender({ username: "vendco", apiKey: API_KEY, url }).send({
        to: "26771436390",
        text: TEXT,
      }),
    );
    assert.equal(error.retryable, true);
    double = await startAfricasTalkingSmsDouble({ apiKey: API_KEY }); // for afterEach
  });

  it("survives a malformed 201 body and asks for a retry", async () => {
    double.failNext(1, { kind: "malformed" });
    const error = await sendError(() => sender.send({ to: "26771436390", text: TEXT }));
    assert.equal(error.retryable, true);
    assert.match(error.message, /unreadable reply/);
  });

  it("rejects a wrong API key without putting the key or the token in the error", async () => {
    const wrong = new AfricasTalkingSmsSender({
      username: "vendco",
      apiKey: "atsk_wrong_key",
      url: double.url,
    });
    const error = await sendError(() => wrong.send({ to: "26771436390", text: TEXT }));
    assert.match(error.message, /HTTP 401/);
    assert.ok(!error.message.includes("atsk_wrong_key"));
    assert.ok(!error.message.includes("0404 0404 0400"));
    assert.ok(!error.message.includes("26771436390"), "phone masked");
  });

  it("targets the sandbox only for the sandbox username", () => {
    assert.equal(defaultSmsUrl("sandbox"), AFRICASTALKING_SANDBOX_SMS_URL);
    assert.equal(defaultSmsUrl("vendco"), AFRICASTALKING_LIVE_SMS_URL);
    assert.equal(AFRICASTALKING_SANDBOX_SMS_URL, "https://api.sandbox.africastalking.com/version1/messaging");
    assert.equal(AFRICASTALKING_LIVE_SMS_URL, "https://api.africastalking.com/version1/messaging");
  });
});
