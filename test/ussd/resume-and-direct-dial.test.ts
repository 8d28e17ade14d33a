// Direct dial (inputs in the dialled code) and resuming a dropped session, through Africa's Talking.
import assert from "node:assert/strict";
import request from "supertest";
import { type Rig, startRig } from "../helpers/journey.js";

describe("resume a dropped session", function () {
  this.timeout(20_000);
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  it("offers to continue a session dropped before confirm, on the next dial from the same phone", async () => {
    const first = rig.dial("+26772100001");
    await first.start();
    await first.send("1");
    await first.send("04040404040");
    // The customer's network drops here (no more callbacks for this session).

    const again = rig.dial("+26772100001");
    const offer = await again.start();
    assert.match(offer, /^CON 1 Continue Electricity for \.\.\.4040\n2 Start again$/);
    const resumed = await again.send("1");
    assert.match(resumed, /^CON Enter amount/);
    assert.match(await again.send("30"), /John Smith/);
    assert.match(await again.send("1"), /^END Paid/);

    // Finished: no offer on the next dial.
    const later = rig.dial("+26772100001");
    assert.match(await later.start(), /^CON Buy:/);
  });

  it("starts afresh with 2, and never offers another phone's session", async () => {
    const first = rig.dial("+26772100002");
    await first.start();
    await first.send("3");
    const stranger = rig.dial("+26772100003");
    assert.match(await stranger.start(), /^CON Buy:/);

    const again = rig.dial("+26772100002");
    assert.match(await again.start(), /Continue Water/);
    assert.match(await again.send("2"), /^CON Buy:/);
  });
});

describe("direct dial", function () {
  this.timeout(20_000);
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    await rig.close();
  });

  const firstHop = (text: string, sessionId: string) =>
    request(rig.service.app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId, serviceCode: "*384*123#", phoneNumber: "+26772200001", text });

  it("replays inputs Africa's Talking passes on the first hop, landing on the next step", async () => {
    const res = await firstHop("1*04040404040*100", "ATUid_dd1");
    // Africa's Talking cannot tell a direct dial from a rebuilt session: it walks step by step to the quote.
    assert.match(res.text, /^CON Electricity 04040404040/);
    assert.match(res.text, /John Smith/);
  });

  it("lands a bad meter on the meter prompt with the error", async () => {
    const res = await firstHop("1*0404*100", "ATUid_dd2");
    assert.match(res.text, /^CON Invalid meter number\./);
    assert.equal(rig.sandbox.stats.validates, 0);
  });
});

describe("resume offer answered wrongly", function () {
  this.timeout(20_000);
  it("re-asks after an invalid choice, then continues", async () => {
    const rig = await startRig();
    try {
      const first = rig.dial("+26772100009");
      await first.start();
      await first.send("1");
      const again = rig.dial("+26772100009");
      assert.match(await again.start(), /Continue Electricity/);
      assert.match(await again.send("7"), /^CON Invalid choice\.\n1 Continue Electricity/);
      assert.match(await again.send("1"), /^CON Enter meter number/);
    } finally {
      await rig.close();
    }
  });
});
