// Webhook security per aggregator: secret, IP allow-list, basic auth, size and shape of bodies, and the
// per-phone limit on new sessions. None of the refused requests may create a session or call the vendor.
import assert from "node:assert/strict";
import request from "supertest";
import { type Rig, startRig } from "../helpers/journey.js";

const SECRET = "s3cret-path-token-0123456789";
const form = { sessionId: "ATUid_sec", serviceCode: "*384#", phoneNumber: "+26771000009", text: "" };

describe("webhook security", function () {
  this.timeout(20_000);
  let rig: Rig;

  afterEach(async () => {
    await rig.close();
  });

  const noSideEffects = () => {
    assert.equal(rig.sandbox.stats.productLists, 0, "no vendor call");
    assert.equal(rig.sandbox.stats.validates, 0, "no vendor call");
  };

  it("refuses a missing or wrong secret with 403, accepts it as header or ?key=", async () => {
    rig = await startRig({ USSD_AFRICASTALKING_SECRET: SECRET });
    const app = rig.service.app;
    assert.equal((await request(app).post("/ussd/africastalking").type("form").send(form)).status, 403);
    assert.equal(
      (
        await request(app)
          .post("/ussd/africastalking")
          .set("x-webhook-secret", "wrong-secret-0123456789")
          .type("form")
          .send(form)
      ).status,
      403,
    );
    assert.equal(
      (await request(app).post("/ussd/africastalking?key=nope").type("form").send(form)).status,
      403,
    );
    assert.equal(
      (
        await request(app)
          .post("/sms/africastalking")
          .type("form")
          .send({ from: "+26771000009", id: "x", text: "HELP" })
      ).status,
      403,
    );
    noSideEffects();

    const viaHeader = await request(app)
      .post("/ussd/africastalking")
      .set("x-webhook-secret", SECRET)
      .type("form")
      .send(form);
    assert.equal(viaHeader.status, 200);
    assert.match(viaHeader.text, /^CON Buy:/);
    const viaQuery = await request(app)
      .post(`/ussd/africastalking?key=${SECRET}`)
      .type("form")
      .send({ ...form, text: "1" });
    assert.match(viaQuery.text, /^CON Enter meter number/);
  });

  it("refuses callers outside the IP allow-list", async () => {
    rig = await startRig({ USSD_AFRICASTALKING_ALLOW_IPS: "10.20.0.0/16, 2001:db8::/32" });
    const refused = await request(rig.service.app).post("/ussd/africastalking").type("form").send(form);
    assert.equal(refused.status, 403);
    noSideEffects();
    await rig.close();

    rig = await startRig({ USSD_AFRICASTALKING_ALLOW_IPS: "127.0.0.0/8,::1" });
    const allowed = await request(rig.service.app).post("/ussd/africastalking").type("form").send(form);
    assert.equal(allowed.status, 200);
  });

  it("asks for basic auth when configured", async () => {
    rig = await startRig({ USSD_AFRICASTALKING_BASIC_AUTH: "aggregator:pa:ss" });
    const none = await request(rig.service.app).post("/ussd/africastalking").type("form").send(form);
    assert.equal(none.status, 403);
    const wrong = await request(rig.service.app)
      .post("/ussd/africastalking")
      .auth("aggregator", "nope")
      .type("form")
      .send(form);
    assert.equal(wrong.status, 403);
    noSideEffects();
    const right = await request(rig.service.app)
      .post("/ussd/africastalking")
      .auth("aggregator", "pa:ss")
      .type("form")
      .send(form);
    assert.equal(right.status, 200);
  });

  it("answers 413 to bodies over 16 KB and 400 to malformed JSON, creating nothing", async () => {
    rig = await startRig();
    const big = await request(rig.service.app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ ...form, text: "1".repeat(17_000) });
    assert.equal(big.status, 413);
    const malformed = await request(rig.service.app)
      .post("/ussd/africastalking")
      .set("Content-Type", "application/json")
      .send('{"sessionId": "x", ');
    assert.equal(malformed.status, 400);
    noSideEffects();
  });

  it("limits new sessions per phone per minute with a polite END", async () => {
    rig = await startRig({ USSD_NEW_SESSIONS_PER_MINUTE: "2" });
    const dial = (n: number) =>
      request(rig.service.app)
        .post("/ussd/africastalking")
        .type("form")
        .send({ ...form, sessionId: `ATUid_limit_${n}` });
    assert.match((await dial(1)).text, /^CON Buy:/);
    assert.match((await dial(2)).text, /^CON Buy:/);
    assert.match((await dial(3)).text, /^END You have started many sessions/);
  });

  it("refuses a misconfigured secret, IP list or basic auth at startup, naming the variable", async () => {
    const { loadConfig } = await import("../../src/config.js");
    assert.throws(() => loadConfig({ USSD_HUBTEL_SECRET: "short" }), /USSD_HUBTEL_SECRET/);
    assert.throws(() => loadConfig({ USSD_NALO_ALLOW_IPS: "10.0.0.0/99" }), /USSD_NALO_ALLOW_IPS/);
    assert.throws(() => loadConfig({ USSD_ARKESEL_ALLOW_IPS: "not-an-ip" }), /USSD_ARKESEL_ALLOW_IPS/);
    assert.throws(() => loadConfig({ USSD_INFOBIP_BASIC_AUTH: "nopassword" }), /USSD_INFOBIP_BASIC_AUTH/);
    rig = await startRig();
  });
});

describe("other aggregator callbacks at the edge", function () {
  this.timeout(20_000);
  let rig: Rig;
  before(async () => {
    rig = await startRig({ USSD_TRUROUTE_SECRET: "truroute-secret-0123456789" });
  });
  after(async () => {
    await rig.close();
  });

  it("answers malformed XML with 400 and a wrong TruRoute secret with 403, calling no vendor", async () => {
    const bad = await request(rig.service.app)
      .post("/ussd/truroute?key=truroute-secret-0123456789")
      .set("Content-Type", "application/xml")
      .send("<ussd><msisdn>264811234567</msisdn><sessionid>x");
    assert.equal(bad.status, 400);
    const forbidden = await request(rig.service.app)
      .post("/ussd/truroute?key=wrong")
      .set("Content-Type", "application/xml")
      .send(
        "<ussd><msisdn>264811234567</msisdn><sessionid>x</sessionid><type>1</type><msg>*384#</msg></ussd>",
      );
    assert.equal(forbidden.status, 403);
    assert.equal(rig.sandbox.stats.productLists, 0);
  });

  it("records Africa's Talking end-of-session events, and refuses malformed ones", async () => {
    const ok = await request(rig.service.app).post("/ussd/africastalking/events").type("form").send({
      sessionId: "ATUid_evt",
      serviceCode: "*384#",
      phoneNumber: "+26771000010",
      networkCode: "99999",
      status: "Incomplete",
      input: "1*0404",
      durationInMillis: "30000",
      hopsCount: "3",
    });
    assert.equal(ok.status, 200);
    const bad = await request(rig.service.app)
      .post("/ussd/africastalking/events")
      .type("form")
      .send({ status: "Failed" });
    assert.equal(bad.status, 400);
  });
});
