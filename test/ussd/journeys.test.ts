// Complete USSD journeys through POST /ussd/africastalking, against the ScratchPower sandbox over HTTP,
// with token SMS received by the Africa's Talking double. Every screen is checked against 182 characters
// by the rig itself.
import assert from "node:assert/strict";
import request from "supertest";
import { type Rig, startRig, type UssdDialog } from "../helpers/journey.js";

const ME = "+26771000001";

/** The number of the option labelled `label` on a menu screen. */
function option(screen: string, label: string | RegExp): string {
  const line = screen
    .split("\n")
    .find((l) => (typeof label === "string" ? l.includes(label) : label.test(l)));
  const n = line?.match(/^(\d+) /)?.[1];
  assert.ok(n, `no option "${label}" on screen:\n${screen}`);
  return n;
}

async function buyElectricity(dialog: UssdDialog, meter: string, amount: string): Promise<string> {
  const menu = await dialog.start();
  await dialog.send(option(menu, "Electricity"));
  await dialog.send(meter);
  return dialog.send(amount);
}

describe("USSD journeys (Africa's Talking → sandbox → SMS)", function () {
  this.timeout(30_000);
  let rig: Rig;

  beforeEach(async () => {
    rig = await startRig({}, { confirmHangMs: 3000 });
  });
  afterEach(async () => {
    await rig.close();
  });

  it("sells a single-token meter: quote with verified name and charge, then the token by SMS", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    assert.match(menu, /^CON /);
    for (const product of ["Electricity", "Airtime", "Water", "My last tokens"])
      assert.match(menu, new RegExp(product));

    const quote = await buyElectricity(dialog, "04040404040", "100");
    assert.match(quote, /^CON /);
    assert.match(quote, /John Smith/);
    assert.match(quote, /Amount BWP 100\.00/);
    assert.match(quote, /Charge BWP 3\.00/);
    assert.match(quote, /Total BWP 103\.00/);

    const result = await dialog.send("1");
    // The token on the last screen (the customer may be at the meter), and by SMS.
    assert.match(result, /^END Paid\. 8\.1 kWh\.\nToken: 0404 0404 0400 0000 0081\nAlso sent by SMS\./);
    const reference = result.match(/Ref ([A-Z0-9]+)/)?.[1];
    assert.ok(reference);

    const [sms] = await rig.waitForSms(ME, 1);
    assert.match(sms ?? "", /0404 0404 0400 0000 0081/);
    assert.match(sms ?? "", /8\.1 kWh/);
    assert.match(sms ?? "", new RegExp(`Ref ${reference}`));
    assert.equal(rig.sandbox.stats.confirms.get(reference), 1);
  });

  it("sends three tokens as three numbered SMS in the vendor's order, KeyChange first", async () => {
    const dialog = rig.dial(ME);
    const quote = await buyElectricity(dialog, "04040404198", "50");
    assert.match(quote, /Simon Sais/);
    const result = await dialog.send("1");
    assert.match(
      result,
      /\n1\) KeyChange Token1: 8190 1047 0212 0545 2032\n2\) KeyChange Token2: 8190 1047 0112 0545 2032\n3\) Credit Token: 0404 0404 1980 0000 1917/,
    );

    const texts = await rig.waitForSms(ME, 3);
    assert.equal(texts.length, 3);
    assert.match(texts[0] ?? "", /1\/3/);
    assert.match(texts[0] ?? "", /KeyChange Token1/);
    assert.match(texts[0] ?? "", /8190 1047 0212 0545 2032/);
    assert.match(texts[0] ?? "", /first/i);
    assert.match(texts[1] ?? "", /2\/3.*KeyChange Token2/s);
    assert.match(texts[1] ?? "", /8190 1047 0112 0545 2032/);
    assert.match(texts[2] ?? "", /3\/3.*Credit Token/s);
    assert.match(texts[2] ?? "", /0404 0404 1980 0000 1917/);
    for (const text of texts) assert.ok(text.length <= 160, `SMS too long: ${text}`);
  });

  it("shows the vendor's reason for a blocked meter and lets the customer go back", async () => {
    const dialog = rig.dial(ME);
    const blocked = await buyElectricity(dialog, "04040404011", "20");
    assert.match(blocked, /^CON Meter 04040404011 is blocked\. Contact BPC\./);
    assert.doesNotMatch(blocked, /Try again/);
    assert.doesNotMatch(blocked, /[{}]|response_message/);
    const back = await dialog.send("0");
    assert.match(back, /^CON Enter amount/);
  });

  it("ends the session within CONFIRM_WAIT_MS when confirm hangs, then delivers the token after retry", async () => {
    const dialog = rig.dial(ME);
    await buyElectricity(dialog, "04040404022", "40");
    const started = Date.now();
    const result = await dialog.send("1");
    const waited = Date.now() - started;
    assert.match(result, /^END Your purchase is being processed\. You will get an SMS/);
    assert.ok(waited < 1500 + 1000, `reply took ${waited} ms`);
    const reference = result.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";

    const [sms] = await rig.waitForSms(ME, 1);
    assert.match(sms ?? "", /0404 0404 0220 0000 0022/);
    assert.equal(rig.sandbox.stats.confirms.get(reference), 1, "exactly one confirm reached the vendor");
    assert.ok(rig.sandbox.stats.retries >= 1, "resolved with retry");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rig.smsTo(ME).length, 1, "one token SMS, not more");
  });

  it("tells the customer by SMS when a hanging confirm turns out to have failed, and sends no token", async () => {
    const dialog = rig.dial(ME);
    await buyElectricity(dialog, "04040404033", "40");
    const result = await dialog.send("1");
    assert.match(result, /^END Your purchase is being processed/);
    const reference = result.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";
    const [sms] = await rig.waitForSms(ME, 1);
    assert.match(sms ?? "", /not been charged/);
    assert.match(sms ?? "", new RegExp(reference));
    assert.doesNotMatch(sms ?? "", /\d{4} \d{4} \d{4} \d{4}/);
    assert.equal(rig.sandbox.stats.confirms.get(reference), 1);
  });

  it("reports insufficient funds on the handset without charging", async () => {
    const dialog = rig.dial(ME);
    await buyElectricity(dialog, "04040404044", "40");
    const result = await dialog.send("1");
    assert.match(result, /^END Purchase failed: .*insufficient/i);
    assert.match(result, /You have not been charged/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(rig.smsTo(ME).length, 0, "no token SMS");
  });

  it("buys airtime for my own number: provider step, no token step, receipt by SMS", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    const providers = await dialog.send(option(menu, "Airtime"));
    assert.match(providers, /Mascom/);
    const choice = await dialog.send(option(providers, "Orange"));
    assert.match(choice, /My number/);
    const amount = await dialog.send(option(choice, "My number"));
    assert.match(amount, /Enter amount/);
    const quote = await dialog.send("20");
    assert.match(quote, /26771000001/);
    assert.match(quote, /Total BWP 20\.00/);
    assert.doesNotMatch(quote, /Token SMS/);
    const result = await dialog.send("1");
    assert.match(result, /^END Done: BWP 20\.00 airtime for 26771000001/);
    const [sms] = await rig.waitForSms(ME, 1);
    assert.match(sms ?? "", /BWP 20\.00 airtime sent to 26771000001/);
  });

  it("buys airtime for another number typed in local format", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    const providers = await dialog.send(option(menu, "Airtime"));
    const choice = await dialog.send(option(providers, "Mascom"));
    await dialog.send(option(choice, "Another number"));
    const amount = await dialog.send("71436390");
    assert.match(amount, /Enter amount/);
    const quote = await dialog.send("15.50");
    assert.match(quote, /26771436390/);
    assert.match(await dialog.send("1"), /^END Done: BWP 15\.50 airtime for 26771436390/);
  });

  it("sells water with its units, and can send the token to another phone", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Water"));
    await dialog.send("1234567890");
    const own = await dialog.send("30");
    assert.match(own, /Mma Itumeleng/);
    await dialog.send(option(own, "Send token to another phone"));
    const quote = await dialog.send("72000002");
    assert.match(quote, /Mma Itumeleng/);
    assert.match(quote, /Token SMS to \+26772000002/);
    assert.match(
      await dialog.send("1"),
      /^END Paid\. 1500 L\.\nToken: .*\nAlso sent by SMS at \+26772000002\./,
    );
    const [sms] = await rig.waitForSms("+26772000002", 1);
    assert.match(sms ?? "", /5678 1234 9012 3456 7890/);
    assert.match(sms ?? "", /1500 L/);
  });

  it("re-asks a wrong meter number with the hint, without ending the session", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    const wrong = await dialog.send("12345");
    assert.match(wrong, /^CON Invalid meter number\./);
    assert.match(wrong, /11-13 digits/);
    const letters = await dialog.send("0404040404A");
    assert.match(letters, /^CON Invalid meter number/);
    assert.match(await dialog.send("04040404040"), /^CON Enter amount/);
    assert.equal(rig.sandbox.stats.validates, 0, "nothing was sent to the vendor for a bad meter");
  });

  it("re-asks a bad amount: zero, three decimals, above the maximum", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404040");
    for (const bad of ["0.00", "10.123", "abc", "999999"]) {
      assert.match(await dialog.send(bad), /^CON (Invalid amount|Amount out of range)/);
    }
    assert.match(await dialog.send("10.5"), /John Smith/);
  });

  it("goes back one step with 0 and to the main menu with 00", async () => {
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404040");
    assert.match(await dialog.send("0"), /^CON Enter meter number/);
    assert.match(await dialog.send("04040404040"), /^CON Enter amount/);
    const quote = await dialog.send("25");
    assert.match(quote, /John Smith/);
    assert.match(await dialog.send("0"), /^CON Enter amount/);
    const home = await dialog.send("00");
    assert.match(home, /^CON Buy:/);
    assert.match(home, /Electricity/);
    // The journey starts afresh from the menu.
    assert.match(await dialog.send(option(home, "Water")), /^CON Enter water meter number/);
  });

  it("answers a repeated callback with the same screen and no second vendor call", async () => {
    const dialog = rig.dial(ME);
    const quote = await buyElectricity(dialog, "04040404040", "60");
    const validates = rig.sandbox.stats.validates;
    assert.equal(await dialog.repeat(), quote);
    const [again, concurrent] = await Promise.all([dialog.repeat(), dialog.repeat()]);
    assert.equal(again, quote);
    assert.equal(concurrent, quote);
    assert.equal(rig.sandbox.stats.validates, validates);

    const result = await dialog.send("1");
    const [retried, retriedConcurrently] = await Promise.all([dialog.repeat(), dialog.repeat()]);
    assert.equal(retried, result);
    assert.equal(retriedConcurrently, result);
    const reference = result.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";
    assert.equal(rig.sandbox.stats.confirms.get(reference), 1);
  });

  it("re-sends my last tokens from the menu", async () => {
    const first = rig.dial(ME);
    await buyElectricity(first, "04040404198", "50");
    await first.send("1");
    await rig.waitForSms(ME, 3);

    const second = rig.dial(ME);
    const menu = await second.start();
    const result = await second.send(option(menu, "My last tokens"));
    assert.match(result, /^END Your last tokens are on their way by SMS/);
    const texts = await rig.waitForSms(ME, 6);
    assert.deepEqual(texts.slice(3), texts.slice(0, 3), "the same three tokens, in the same order");

    const stranger = rig.dial("+26771999999");
    const none = await stranger.send(option(await stranger.start(), "My last tokens"));
    assert.match(none, /^END We found no tokens/);
  });

  it("completes a purchase with one login when the access token expires mid-session", async () => {
    await rig.close();
    rig = await startRig({}, { accessTtlSeconds: 1 });
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await new Promise((r) => setTimeout(r, 1300));
    await dialog.send("04040404040");
    const quote = await dialog.send("80");
    assert.match(quote, /John Smith/);
    await new Promise((r) => setTimeout(r, 1300));
    assert.match(await dialog.send("1"), /^END Paid/);
    await rig.waitForSms(ME, 1);
    assert.equal(rig.sandbox.stats.logins, 1);
  });

  it("says the provider is slow, and offers to try again, when validate is too slow", async () => {
    await rig.close();
    rig = await startRig({ VENDOR_TIMEOUT_MS: "300" });
    const dialog = rig.dial(ME);
    const menu = await dialog.start();
    await dialog.send(option(menu, "Electricity"));
    await dialog.send("04040404040");
    rig.sandbox.setLatencyMs(600);
    const started = Date.now();
    const slow = await dialog.send("30");
    assert.ok(Date.now() - started < 2000);
    assert.match(slow, /^CON The provider is slow, please try again\./);
    assert.match(slow, /1 Try again/);
    rig.sandbox.setLatencyMs(0);
    assert.match(await dialog.send("1"), /John Smith/);
  });
});

describe("USSD session rebuilt by replay on another instance", function () {
  this.timeout(30_000);

  it("continues a session whose store was lost, replaying the inputs, and buys once", async () => {
    const rig = await startRig({}, {});
    const other = await startRig({});
    try {
      const dialog = rig.dial(ME);
      const menu = await dialog.start();
      await dialog.send(option(menu, "Electricity"));
      await dialog.send("04040404040");
      const quote = await dialog.send("70");

      // The same session reaches a fresh instance whose store has never seen it.
      const moved = other.dial(ME);
      Object.assign(moved, { sessionId: dialog.sessionId });
      moved.inputs.push(...dialog.inputs);
      const replayedQuote = await moved.repeat();
      assert.equal(replayedQuote.replace(/Ref \w+/, ""), quote.replace(/Ref \w+/, ""));
      assert.match(await moved.send("1"), /^END Paid/);
      await other.waitForSms(ME, 1);
      const confirms = [...other.sandbox.stats.confirms.values()];
      assert.deepEqual(confirms, [1]);
    } finally {
      await rig.close();
      await other.close();
    }
  });
});

describe("Africa's Talking webhook input", () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig.close();
  });

  it("accepts JSON as well as form bodies", async () => {
    const res = await request(rig.service.app)
      .post("/ussd/africastalking")
      .send({ sessionId: "ATUid_json", serviceCode: "*384#", phoneNumber: "+26771000002", text: "" });
    assert.equal(res.status, 200);
    assert.match(res.text, /^CON Buy:/);
  });

  it("answers 400 with a short reason for missing or malformed fields, never 500", async () => {
    const cases: [Record<string, unknown> | string, RegExp][] = [
      [{ serviceCode: "*384#", phoneNumber: "+26771000002", text: "" }, /sessionId/],
      [{ sessionId: "x", serviceCode: "*384#", text: "" }, /phoneNumber/],
      [{ sessionId: "x", phoneNumber: "not a phone", text: "" }, /phoneNumber/],
      [{ sessionId: "x", phoneNumber: "+26771000002", text: ["1", "2"] }, /text/],
    ];
    for (const [body, reason] of cases) {
      const res = await request(rig.service.app).post("/ussd/africastalking").send(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.match(res.text, reason);
    }
    const malformed = await request(rig.service.app)
      .post("/ussd/africastalking")
      .set("Content-Type", "application/json")
      .send('{"sessionId": ');
    assert.equal(malformed.status, 400);
    const huge = await request(rig.service.app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId: "x", phoneNumber: "+26771000002", text: "1".repeat(20_000) });
    assert.equal(huge.status, 413);
  });

  it("reports health as JSON", async () => {
    const res = await request(rig.service.app).get("/health");
    assert.equal(res.status, 200);
    assert.equal(res.body.status, "ok");
  });
});
