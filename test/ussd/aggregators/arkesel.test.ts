import assert from "node:assert/strict";
import { arkesel, createArkesel } from "../../../src/ussd/aggregators/arkesel.js";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { callback, fixture, inputOf, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("GH");
const configured = createArkesel({ serviceCodes: ["*928*88#"] });
const parse = (body: unknown, adapter = arkesel) => adapter.parse(callback({ body }), toPhone);

describe("arkesel adapter", () => {
  it("reads a new session: dialled inputs after a configured service code", () => {
    assert.deepEqual(inputOf(parse(fixture("arkesel/new-session.constructed.json"), configured)), {
      sessionId: "arkesel:a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809",
      phone: "233246912184",
      serviceCode: "*928*88#",
      network: "MTN",
      input: { kind: "latest", text: "", isNew: true, dialled: ["2"] },
    });
  });

  it("without a configured code takes the whole dial string as the code and dials nothing", () => {
    const request = inputOf(parse(fixture("arkesel/new-session.constructed.json")));
    assert.equal(request.serviceCode, "*928*88*2#");
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: [] });
  });

  it("reads a later hop as the latest input", () => {
    const request = inputOf(parse(fixture("arkesel/later-hop.constructed.json")));
    assert.equal(request.sessionId, "arkesel:a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809");
    assert.deepEqual(request.input, { kind: "latest", text: "50", isNew: false });
  });

  it("normalises msisdn to E.164 digits", () => {
    for (const msisdn of ["233246912184", "0246912184", "+233-24-691-2184"]) {
      const body = { ...fixture("arkesel/later-hop.constructed.json"), msisdn };
      assert.equal(inputOf(parse(body)).phone, "233246912184", msisdn);
    }
  });

  it("refuses missing and malformed fields, naming the field", () => {
    const base = fixture("arkesel/later-hop.constructed.json");
    const without = (field: string) => {
      const body = { ...base };
      delete body[field];
      return body;
    };
    assert.match(refusalOf(parse(without("sessionID"))), /^sessionID /);
    assert.match(refusalOf(parse(without("msisdn"))), /^msisdn /);
    assert.match(refusalOf(parse(without("newSession"))), /^newSession /);
    assert.match(refusalOf(parse({ ...base, newSession: 1 })), /^newSession /);
    assert.match(refusalOf(parse({ ...base, userData: { a: 1 } })), /^userData /);
    assert.equal(refusalOf(parse({ ...base, msisdn: "not a phone" })), "msisdn is not a valid phone number");
  });

  it("renders continue and end with the ids echoed and continueSession as a boolean", () => {
    const request = callback({ body: fixture("arkesel/later-hop.constructed.json") });
    const more = arkesel.render({ text: "Enter meter number:", end: false }, request);
    assert.equal(more.status, 200);
    assert.equal(more.contentType, "application/json");
    assert.deepEqual(JSON.parse(more.body), {
      sessionID: "a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809",
      userID: "ARK-USER-77",
      msisdn: "233246912184",
      message: "Enter meter number:",
      continueSession: true,
    });
    const done = JSON.parse(arkesel.render({ text: "Thank you.", end: true }, request).body);
    assert.equal(done.continueSession, false);
    assert.equal(done.message, "Thank you.");
    assert.equal(done.sessionID, "a1b2c3d4-5e6f-7081-92a3-b4c5d6e7f809");
  });

  it("uses the GSM-7 USSD screen limit", () => {
    assert.deepEqual([arkesel.method, arkesel.body, AGGREGATORS.arkesel.screenLimit], ["POST", "json", 182]);
  });
});
