import assert from "node:assert/strict";
import { createNalo, nalo } from "../../../src/ussd/aggregators/nalo.js";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { callback, fixture, inputOf, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("GH");
// Our Nalo shared code: with it configured, inputs dialled after it are split off.
const configured = createNalo({ serviceCodes: ["*920*55#"] });

describe("nalo adapter", () => {
  it("reads a first hop (MSGTYPE true): new session, dial string as the service code", () => {
    const request = inputOf(
      nalo.parse(callback({ body: fixture("nalo/first-hop.reference-example.json") }), toPhone),
    );
    assert.deepEqual(request, {
      sessionId: "nalo:16590123456789",
      phone: "233501234567",
      serviceCode: "*920*55#",
      network: "MTN",
      input: { kind: "latest", text: "", isNew: true, dialled: [] },
    });
  });

  it("splits inputs dialled after a configured service code", () => {
    const body = fixture("nalo/first-hop-dialled.constructed.json");
    const request = inputOf(configured.parse(callback({ body }), toPhone));
    assert.equal(request.serviceCode, "*920*55#");
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: ["1", "04040404040"] });
  });

  it("does not guess dialled inputs without a configured code (a shared code has two parts)", () => {
    const body = fixture("nalo/first-hop-dialled.constructed.json");
    const request = inputOf(nalo.parse(callback({ body }), toPhone));
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: [] });
  });

  it("reads a later hop (MSGTYPE false) as the latest input", () => {
    const request = inputOf(
      configured.parse(callback({ body: fixture("nalo/later-hop.constructed.json") }), toPhone),
    );
    assert.equal(request.sessionId, "nalo:16590123456789");
    assert.deepEqual(request.input, { kind: "latest", text: "2", isNew: false });
  });

  it("accepts MSGTYPE as the text true/false", () => {
    const body = { ...fixture("nalo/later-hop.constructed.json"), MSGTYPE: "false" };
    assert.equal(inputOf(nalo.parse(callback({ body }), toPhone)).input.kind, "latest");
    const first = { ...fixture("nalo/first-hop.reference-example.json"), MSGTYPE: "TRUE" };
    const input = inputOf(nalo.parse(callback({ body: first }), toPhone)).input;
    assert.ok(input.kind === "latest" && input.isNew);
  });

  it("without SESSIONID names the session by phone and USERID", () => {
    const body = fixture("nalo/later-hop-no-sessionid.constructed.json");
    assert.equal(
      inputOf(nalo.parse(callback({ body }), toPhone)).sessionId,
      "nalo:msisdn:233501234567:NALOTest",
    );
    const empty = { ...body, SESSIONID: "" };
    assert.equal(
      inputOf(nalo.parse(callback({ body: empty }), toPhone)).sessionId,
      "nalo:msisdn:233501234567:NALOTest",
    );
  });

  it("normalises MSISDN to E.164 digits", () => {
    for (const MSISDN of ["233501234567", "0501234567", "+233501234567", 233501234567]) {
      const body = { ...fixture("nalo/later-hop.constructed.json"), MSISDN };
      assert.equal(inputOf(nalo.parse(callback({ body }), toPhone)).phone, "233501234567", String(MSISDN));
    }
  });

  it("refuses missing and malformed fields, naming the field", () => {
    const base = fixture("nalo/later-hop.constructed.json");
    const parse = (body: unknown) => nalo.parse(callback({ body }), toPhone);
    const without = (field: string) => {
      const body = { ...base };
      delete body[field];
      return body;
    };
    assert.match(refusalOf(parse(without("USERID"))), /^USERID /);
    assert.match(refusalOf(parse(without("MSISDN"))), /^MSISDN /);
    assert.match(refusalOf(parse(without("MSGTYPE"))), /^MSGTYPE /);
    assert.match(refusalOf(parse({ ...base, MSGTYPE: "yes" })), /^MSGTYPE /);
    assert.match(refusalOf(parse({ ...base, USERDATA: ["2"] })), /^USERDATA /);
    assert.equal(refusalOf(parse({ ...base, MSISDN: "233" })), "MSISDN is not a valid phone number");
  });

  it("renders continue exactly like the reference example: echoes, MSG, MSGTYPE true", () => {
    const request = callback({ body: fixture("nalo/first-hop.reference-example.json") });
    const reply = nalo.render({ text: "1. Buy power\n2. Airtime", end: false }, request);
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, "application/json");
    assert.deepEqual(JSON.parse(reply.body), fixture("nalo/reply-continue.reference-example.json"));
  });

  it("renders an end with MSGTYPE false (a boolean), echoing USERID and MSISDN as sent", () => {
    const request = callback({ body: fixture("nalo/later-hop.constructed.json") });
    const reply = JSON.parse(nalo.render({ text: "Thank you.", end: true }, request).body);
    assert.deepEqual(reply, {
      USERID: "NALOTest",
      MSISDN: "233501234567",
      MSG: "Thank you.",
      MSGTYPE: false,
    });
    assert.equal(typeof reply.MSGTYPE, "boolean");
  });

  it("has 120-character screens", () => {
    assert.equal(AGGREGATORS.nalo.screenLimit, 120);
    assert.deepEqual([nalo.method, nalo.body], ["POST", "json"]);
  });
});
