// Infobip through the real service: its `GET …/status` question, a first reply that can never close the
// session (Infobip shows it as a menu whatever it says), and refusals in Infobip's JSON error shape.
import assert from "node:assert/strict";
import request from "supertest";
import { en } from "../../machines/copy/en.js";
import { type Rig, startRig } from "../helpers/journey.js";

const MSISDN = "233246912185";
const start = { msisdn: MSISDN, text: "*384*123#", shortCode: "*384*123#" };

describe("infobip sessions over HTTP", function () {
  this.timeout(20_000);
  let rig: Rig;

  afterEach(async () => {
    await rig.close();
  });

  const status = async (id: string) => {
    const res = await request(rig.service.app).get(`/ussd/infobip/${id}/status`);
    assert.equal(res.status, 200);
    assert.equal(res.type, "application/json");
    return res.body as { sessionActive: boolean; responseExitCode: number; responseMessage: string };
  };

  it("answers status: open while the session waits for input, closed once ended", async () => {
    rig = await startRig();
    const app = rig.service.app;
    assert.deepEqual(await status("st-1"), {
      sessionActive: false,
      responseExitCode: 200,
      responseMessage: "",
    });
    const first = await request(app).post("/ussd/infobip/st-1/start").send(start);
    assert.equal(first.body.shouldClose, false);
    assert.equal((await status("st-1")).sessionActive, true);
    // Infobip sends end with PUT.
    const end = await request(app).put("/ussd/infobip/st-1/end").send({ reason: "ok", exitCode: 0 });
    assert.deepEqual(end.body, { responseExitCode: 200, responseMessage: "" });
    assert.equal((await status("st-1")).sessionActive, false);
  });

  it("sends a closing first reply as a menu and closes on the next callback with the same words", async () => {
    rig = await startRig({ USSD_NEW_SESSIONS_PER_MINUTE: "1" });
    const app = rig.service.app;
    assert.equal((await request(app).post("/ussd/infobip/busy-1/start").send(start)).body.shouldClose, false);
    const lists = rig.sandbox.stats.productLists;

    // A second dial within the minute is refused, but Infobip would not close on a first reply anyway.
    const refused = await request(app).post("/ussd/infobip/busy-2/start").send(start);
    assert.deepEqual(refused.body, {
      ussdMenu: en.session.tooMany,
      shouldClose: false,
      responseExitCode: 200,
      responseMessage: "",
    });
    assert.equal((await status("busy-2")).sessionActive, true);

    const closed = await request(app).put("/ussd/infobip/busy-2/response").send({ text: "1" });
    assert.deepEqual(
      [closed.body.ussdMenu, closed.body.shouldClose],
      [en.session.tooMany, true],
      "the customer's input starts nothing: the session closes with what it said",
    );
    assert.equal((await status("busy-2")).sessionActive, false);
    // Infobip retrying that callback gets the same close.
    const again = await request(app).put("/ussd/infobip/busy-2/response").send({ text: "1" });
    assert.deepEqual([again.body.ussdMenu, again.body.shouldClose], [en.session.tooMany, true]);
    assert.equal(rig.sandbox.stats.productLists, lists, "no vendor call for the refused session");
  });

  it("answers a session that continues normally as before: menus, then a close", async () => {
    rig = await startRig();
    const app = rig.service.app;
    const menu = await request(app).post("/ussd/infobip/n-1/start").send(start);
    assert.equal(menu.body.shouldClose, false);
    assert.match(menu.body.ussdMenu, /Electricity/);
    const next = await request(app).put("/ussd/infobip/n-1/response").send({ text: "1" });
    assert.equal(next.body.shouldClose, false);
    assert.notEqual(next.body.ussdMenu, menu.body.ussdMenu, "the input was applied, not held");
  });

  it("refuses bad bodies, unknown actions and oversized bodies in Infobip's JSON error shape", async () => {
    rig = await startRig();
    const app = rig.service.app;
    const noMsisdn = await request(app).post("/ussd/infobip/e-1/start").send({ text: "*384#" });
    assert.equal(noMsisdn.status, 400);
    assert.equal(noMsisdn.type, "application/json");
    assert.equal(noMsisdn.body.responseExitCode, 400);
    assert.match(noMsisdn.body.responseMessage, /^msisdn /);

    const notJson = await request(app)
      .post("/ussd/infobip/e-1/start")
      .set("content-type", "application/json")
      .send("not json at all");
    assert.deepEqual(
      [notJson.status, notJson.body],
      [400, { responseExitCode: 400, responseMessage: "Malformed body" }],
    );

    const unknown = await request(app).post("/ussd/infobip/e-1/restart").send({});
    assert.equal(unknown.body.responseExitCode, 400);
    assert.match(unknown.body.responseMessage, /^action restart is not supported/);

    const huge = await request(app)
      .post("/ussd/infobip/e-1/start")
      .send({ ...start, optional: "x".repeat(20_000) });
    assert.deepEqual(
      [huge.status, huge.body],
      [413, { responseExitCode: 413, responseMessage: "Body too large" }],
    );
    assert.equal(rig.sandbox.stats.productLists, 0, "no vendor call");
  });

  it("refuses a caller without the secret with 403 in Infobip's JSON error shape", async () => {
    rig = await startRig({ USSD_INFOBIP_SECRET: "infobip-secret-0123456789" });
    const app = rig.service.app;
    for (const res of [
      await request(app).post("/ussd/infobip/g-1/start").send(start),
      await request(app).get("/ussd/infobip/g-1/status"),
    ]) {
      assert.equal(res.status, 403);
      assert.deepEqual(res.body, { responseExitCode: 403, responseMessage: "Forbidden" });
    }
    const allowed = await request(app)
      .post("/ussd/infobip/g-1/start")
      .set("x-webhook-secret", "infobip-secret-0123456789")
      .send(start);
    assert.equal(allowed.body.shouldClose, false);
  });
});
