// Buying by SMS through POST /sms/africastalking (as Africa's Talking delivers inbound messages), against
// the ScratchPower sandbox, with every reply received by the Africa's Talking SMS double over HTTP.
import assert from "node:assert/strict";
import request from "supertest";
import { smsCapacity } from "../../src/text/gsm7.js";
import { type Rig, startRig } from "../helpers/journey.js";

let messageCounter = 0;

/** One customer texting the service number; `texts()` are the SMS they received. */
function customer(rig: Rig, phone: string) {
  const received = () => rig.smsTo(phone);
  return {
    async send(text: string, id = `ATXid_${process.pid}_${++messageCounter}`): Promise<void> {
      const res = await request(rig.service.app)
        .post("/sms/africastalking")
        .type("form")
        .send({ from: phone, to: "12345", text, date: new Date().toISOString(), id, linkId: "" });
      assert.equal(res.status, 200, res.text);
    },
    received,
    /** Waits for the next `n` SMS after those already seen; checks each fits one GSM-7 part. */
    async next(n = 1, timeoutMs = 8000): Promise<string[]> {
      const before = received().length;
      const all = await rig.waitForSms(phone, before + n, timeoutMs);
      const fresh = all.slice(before, before + n);
      for (const text of fresh) {
        const capacity = smsCapacity(text);
        assert.ok(capacity.fits && capacity.encoding === "GSM-7", `SMS over one GSM-7 part: ${text}`);
      }
      return fresh;
    },
    /** Sends a text and returns the next reply. */
    async ask(text: string): Promise<string> {
      const before = received().length;
      await this.send(text);
      const all = await rig.waitForSms(phone, before + 1);
      const reply = all[before] ?? "";
      assert.ok(smsCapacity(reply).fits, `reply over one SMS: ${reply}`);
      return reply;
    },
  };
}

const codeOf = (reply: string) => reply.match(/YES (\d{4})/)?.[1] ?? "";

describe("SMS channel (Africa's Talking inbound → sandbox → SMS)", function () {
  this.timeout(30_000);
  let rig: Rig;

  beforeEach(async () => {
    rig = await startRig({ SMS_QUOTE_TTL_SECONDS: "2" }, { confirmHangMs: 3000 });
  });
  afterEach(async () => {
    await rig.close();
  });

  it("quotes a single-token meter, and YES with the code buys it and sends the token", async () => {
    const me = customer(rig, "+26771800001");
    const quote = await me.ask("ELEC 04040404040 100");
    assert.match(quote, /John Smith/);
    assert.match(quote, /BWP 100\.00 \+ charge 3\.00 = BWP 103\.00/);
    const code = codeOf(quote);
    assert.match(code, /^\d{4}$/);
    assert.equal(rig.sandbox.stats.confirms.size, 0, "a quote buys nothing");

    await me.send(`yes ${code}`);
    const [token] = await me.next();
    assert.match(token ?? "", /0404 0404 0400 0000 0081/);
    assert.match(token ?? "", /8\.1 kWh/);
    assert.deepEqual([...rig.sandbox.stats.confirms.values()], [1]);
  });

  it("tolerates case, extra spaces and separators, and sends three tokens in the vendor's order", async () => {
    const me = customer(rig, "+26771800002");
    const quote = await me.ask("  elec   04040404198 ,  50 ");
    assert.match(quote, /Simon Sais/);
    await me.send(`Yes   ${codeOf(quote)}`);
    const texts = await me.next(3);
    assert.match(texts[0] ?? "", /1\/3.*KeyChange Token1/s);
    assert.match(texts[1] ?? "", /2\/3.*KeyChange Token2/s);
    assert.match(texts[2] ?? "", /3\/3.*Credit Token/s);
  });

  it("buys nothing for a wrong code or an expired quote", async () => {
    const me = customer(rig, "+26771800003");
    const quote = await me.ask("POWER*04040404040*20");
    const code = codeOf(quote);
    const wrong = String(((Number(code) - 1000 + 1) % 9000) + 1000);
    assert.match(await me.ask(`YES ${wrong}`), /does not match.*Nothing was bought/);
    await new Promise((r) => setTimeout(r, 2300));
    assert.match(await me.ask(`YES ${code}`), /no quote waiting.*Nothing was bought/);
    assert.equal(rig.sandbox.stats.confirms.size, 0);
  });

  it("cancels with NO: the code no longer buys", async () => {
    const me = customer(rig, "+26771800004");
    const code = codeOf(await me.ask("WATER 1234567890 30"));
    assert.match(await me.ask("no"), /Quote cancelled\. Nothing was bought/);
    assert.match(await me.ask(`YES ${code}`), /no quote waiting/);
    assert.equal(rig.sandbox.stats.confirms.size, 0);
  });

  it("answers LAST with the last tokens again, and STATUS for the buyer's own purchases only", async () => {
    const me = customer(rig, "+26771800005");
    await me.send(`YES ${codeOf(await me.ask("ELEC 04040404040 40"))}`);
    const [token] = await me.next();
    const reference = token?.match(/Ref ([A-Z0-9]+)/)?.[1] ?? "";
    assert.ok(reference);

    await me.send("LAST");
    assert.deepEqual(await me.next(), [token]);

    assert.match(await me.ask(`status ${reference.toLowerCase()}`), new RegExp(`${reference} .*successful`));
    const stranger = customer(rig, "+26771800006");
    assert.match(await stranger.ask(`STATUS ${reference}`), /found no purchase/);
    assert.match(await stranger.ask("LAST"), /found no tokens/);
  });

  it("answers HELP, and anything not understood, with the command list in one SMS", async () => {
    const me = customer(rig, "+26771800007");
    const help = await me.ask("HELP");
    assert.match(help, /ELEC <meter> <amount>/);
    assert.match(help, /YES <code>/);
    assert.match(help, /LAST/);
    assert.match(help, /STATUS/);
    assert.equal(await me.ask("hello can i buy power pls"), help);
    assert.equal(await me.ask("😀"), help);
  });

  it("says what is wrong with a bad meter or amount, and which network airtime needs", async () => {
    const me = customer(rig, "+26771800008");
    assert.match(await me.ask("ELEC 12345 100"), /Invalid meter number/);
    assert.match(await me.ask("ELEC 04040404040 10.555"), /Invalid amount/);
    assert.match(await me.ask("AIRTIME 71436390 20"), /Which network.*MASCOM, ORANGE, BTC/);
    assert.match(await me.ask("ELEC 04040404011 20"), /blocked/);
    assert.equal(rig.sandbox.stats.confirms.size, 0);
  });

  it("sells airtime naming the network, with a receipt by SMS", async () => {
    const me = customer(rig, "+26771800009");
    const quote = await me.ask("AIRTIME MASCOM 71436390 20");
    assert.match(quote, /26771436390/);
    await me.send(`YES ${codeOf(quote)}`);
    const [receipt] = await me.next();
    assert.match(receipt ?? "", /BWP 20\.00 airtime sent to 26771436390/);
  });

  it("handles a redelivered message (same id) once", async () => {
    const me = customer(rig, "+26771800010");
    await Promise.all([me.send("HELP", "ATXid_same"), me.send("HELP", "ATXid_same")]);
    await me.send("HELP", "ATXid_same");
    await rig.waitForSms("+26771800010", 1);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(me.received().length, 1);
  });

  it("resolves the hanging-confirm meter with retry: one confirm, the token after retry", async () => {
    const me = customer(rig, "+26771800011");
    const quote = await me.ask("ELEC 04040404022 60");
    await me.send(`YES ${codeOf(quote)}`);
    const [pending] = await me.next();
    assert.match(pending ?? "", /being processed/);
    const [token] = await me.next(1, 10_000);
    assert.match(token ?? "", /0404 0404 0220 0000 0022/);
    assert.deepEqual([...rig.sandbox.stats.confirms.values()], [1]);
    assert.ok(rig.sandbox.stats.retries >= 1);
  });

  it("a repeated YES never buys twice", async () => {
    const me = customer(rig, "+26771800012");
    const code = codeOf(await me.ask("ELEC 04040404040 25"));
    await Promise.all([me.send(`YES ${code}`), me.send(`YES ${code}`)]);
    await me.next(2);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual([...rig.sandbox.stats.confirms.values()], [1]);
    assert.equal(me.received().filter((t) => /0404 0404 0400 0000 0081/.test(t)).length, 1, "one token SMS");
  });

  it("answers 400 to a malformed inbound callback", async () => {
    const res = await request(rig.service.app)
      .post("/sms/africastalking")
      .type("form")
      .send({ text: "HELP" });
    assert.equal(res.status, 400);
    assert.match(res.text, /from/);
  });
});

describe("late and redelivered YES", function () {
  this.timeout(30_000);
  let rig: Rig;
  const confirms = () => [...rig.sandbox.stats.confirms.values()].reduce((a, b) => a + b, 0);

  before(async () => {
    rig = await startRig({ SMS_MESSAGES_PER_MINUTE: "100", SMS_QUOTES_PER_HOUR: "100" });
  });
  after(async () => {
    await rig.close();
  });

  it("a late YES of a replaced quote buys nothing, and the quote that replaced it still buys once", async () => {
    const me = customer(rig, "+26771800101");
    const before = confirms();
    const first = codeOf(await me.ask("ELEC 04040404040 100"));
    const second = codeOf(await me.ask("ELEC 04040404040 40"));
    assert.notEqual(second, first, "a new quote never reuses the code of the one it replaced");
    assert.match(await me.ask(`YES ${first}`), /does not match.*Nothing was bought/);
    assert.equal(confirms(), before);
    await me.send(`YES ${second}`);
    const [token] = await me.next();
    assert.match(token ?? "", /0404 0404 0400 0000 0081/);
    assert.equal(confirms(), before + 1);
  });

  it("no code given to a phone comes back, so a late YES of a cancelled quote never buys a later one", async () => {
    const me = customer(rig, "+26771800102");
    const before = confirms();
    const codes: string[] = [];
    for (let i = 0; i < 15; i++) {
      codes.push(codeOf(await me.ask(`ELEC 04040404040 ${20 + i}`)));
      assert.match(await me.ask("NO"), /Quote cancelled/);
    }
    assert.equal(new Set(codes).size, codes.length, `codes repeat: ${codes.join(" ")}`);
    const latest = codeOf(await me.ask("ELEC 04040404040 60"));
    assert.ok(!codes.includes(latest));
    for (const old of codes) assert.match(await me.ask(`YES ${old}`), /does not match.*Nothing was bought/);
    assert.equal(confirms(), before, "no cancelled quote and not the waiting one");
  });

  it("a redelivered YES (same id) and a late YES after the purchase never buy again", async () => {
    const me = customer(rig, "+26771800103");
    const before = confirms();
    const code = codeOf(await me.ask("ELEC 04040404040 25"));
    await me.send(`YES ${code}`, "ATXid_yes_redelivered");
    const [token] = await me.next();
    assert.match(token ?? "", /0404 0404 0400 0000 0081/);
    const received = me.received().length;
    await me.send(`YES ${code}`, "ATXid_yes_redelivered");
    const late = await me.ask(`YES ${code}`);
    assert.equal(me.received().length, received + 1, "the redelivery got no answer; the late YES one");
    assert.doesNotMatch(late, /0404 0404 0400 0000 0081/);
    assert.equal(confirms(), before + 1, "one confirm");
    assert.equal(me.received().filter((t) => /0404 0404 0400 0000 0081/.test(t)).length, 1, "one token SMS");
  });
});

describe("SMS abuse limits", function () {
  this.timeout(30_000);
  let rig: Rig;

  before(async () => {
    rig = await startRig({ SMS_MESSAGES_PER_MINUTE: "3", SMS_QUOTES_PER_HOUR: "2" });
  });
  after(async () => {
    await rig.close();
  });

  it("answers too many messages once politely, then stays silent", async () => {
    const me = customer(rig, "+26771900001");
    for (let i = 0; i < 3; i++) await me.ask("HELP");
    assert.match(await me.ask("HELP"), /many messages/);
    await me.send("HELP");
    await me.send("HELP");
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(me.received().length, 4);
  });

  it("limits quotes per hour, with one polite reply", async () => {
    const me = customer(rig, "+26771900002");
    assert.match(await me.ask("ELEC 04040404040 20"), /YES \d{4}/);
    assert.match(await me.ask("ELEC 04040404040 21"), /YES \d{4}/);
    assert.match(await me.ask("ELEC 04040404040 22"), /many quotes/);
    const validates = rig.sandbox.stats.validates;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(rig.sandbox.stats.validates, validates, "no vendor call beyond the limit");
  });
});
