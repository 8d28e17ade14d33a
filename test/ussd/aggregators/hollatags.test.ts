import assert from "node:assert/strict";
import { hollatags } from "../../../src/ussd/aggregators/hollatags.js";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { callback, endedOf, fixture, inputOf, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("NG");
const parse = (query: Record<string, unknown>) => hollatags.parse(callback({ query }), toPhone);

describe("hollatags adapter", () => {
  it("answers GET callbacks with no body and 160-character screens", () => {
    assert.deepEqual([hollatags.method, hollatags.body], ["GET", "none"]);
    assert.equal(AGGREGATORS.hollatags.screenLimit, 160);
  });

  it("reads the documented begin request as a new session", () => {
    assert.deepEqual(inputOf(parse(fixture("hollatags/begin.documented.json"))), {
      sessionId: "hollatags:5456657676",
      phone: "2347000000000",
      serviceCode: "*7006#",
      network: "MTN",
      input: { kind: "latest", text: "", isNew: true, dialled: [] },
    });
  });

  it("splits inputs dialled after session_from on begin", () => {
    const request = inputOf(parse(fixture("hollatags/begin-dialled.constructed.json")));
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: ["1", "04040404040"] });
  });

  it("reads continue as the latest input", () => {
    const request = inputOf(parse(fixture("hollatags/continue.constructed.json")));
    assert.equal(request.sessionId, "hollatags:5456657677");
    assert.equal(request.network, "AIRTEL");
    assert.deepEqual(request.input, { kind: "latest", text: "2", isNew: false });
  });

  it("turns session_operation=end into an ended event", () => {
    assert.deepEqual(endedOf(parse(fixture("hollatags/end.constructed.json"))), {
      kind: "ended",
      sessionId: "hollatags:5456657677",
      phone: "2348031234567",
      reason: "end",
    });
    assert.equal(
      endedOf(parse({ ...fixture("hollatags/end.constructed.json"), session_operation: "END" })).reason,
      "end",
    );
  });

  it("normalises session_msisdn to E.164 digits", () => {
    for (const session_msisdn of ["2348031234567", "08031234567", "+2348031234567"]) {
      const query = { ...fixture("hollatags/continue.constructed.json"), session_msisdn };
      assert.equal(inputOf(parse(query)).phone, "2348031234567", session_msisdn);
    }
  });

  it("refuses missing, repeated and malformed parameters, naming them", () => {
    const base = fixture("hollatags/continue.constructed.json");
    const without = (field: string) => {
      const query = { ...base };
      delete query[field];
      return query;
    };
    assert.match(refusalOf(parse(without("session_id"))), /^session_id /);
    assert.match(refusalOf(parse(without("session_msisdn"))), /^session_msisdn /);
    assert.match(refusalOf(parse(without("session_operation"))), /^session_operation /);
    // Express turns a repeated parameter into an array.
    assert.match(refusalOf(parse({ ...base, session_msg: ["1", "2"] })), /^session_msg /);
    assert.equal(
      refusalOf(parse({ ...base, session_operation: "pause" })),
      "session_operation must be begin, continue or end",
    );
    assert.equal(
      refusalOf(parse({ ...base, session_msisdn: "12345" })),
      "session_msisdn is not a valid phone number",
    );
  });

  it("renders continue exactly like the documented reply, echoing session_id", () => {
    const request = callback({ query: fixture("hollatags/begin.documented.json") });
    const text = "Welcome to Holla tags ticket\r\n1: Book Bus Tickets\r\n2: Terms & Condition";
    const reply = hollatags.render({ text, end: false }, request);
    assert.equal(reply.status, 200);
    assert.equal(reply.contentType, "application/json");
    assert.deepEqual(JSON.parse(reply.body), fixture("hollatags/reply-continue.documented.json"));
  });

  it("renders an end as operation end with session_type 4 (a number)", () => {
    const request = callback({ query: fixture("hollatags/continue.constructed.json") });
    assert.deepEqual(JSON.parse(hollatags.render({ text: "Thank you.", end: true }, request).body), {
      session_operation: "end",
      session_type: 4,
      session_id: "5456657677",
      session_msg: "Thank you.",
    });
  });

  it("acknowledges an end with 200 and a closing reply", () => {
    const ack = hollatags.acknowledgeEnd(callback({ query: fixture("hollatags/end.constructed.json") }));
    assert.equal(ack.status, 200);
    assert.deepEqual(JSON.parse(ack.body), {
      session_operation: "end",
      session_type: 4,
      session_id: "5456657677",
      session_msg: "",
    });
  });
});
