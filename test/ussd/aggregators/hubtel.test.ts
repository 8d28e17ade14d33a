import assert from "node:assert/strict";
import { hubtel } from "../../../src/ussd/aggregators/hubtel.js";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { callback, endedOf, fixture, inputOf, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("GH");
const parse = (body: unknown) => hubtel.parse(callback({ body }), toPhone);

describe("hubtel adapter", () => {
  it("reads an Initiation: new session, the inputs dialled after ServiceCode, the hop", () => {
    const request = inputOf(parse(fixture("hubtel/initiation.constructed.json")));
    assert.deepEqual(request, {
      sessionId: "hubtel:3c7e2a90b1d84f0c9a5e6b7d8c9f0a1b",
      phone: "233246912184",
      serviceCode: "*713*5#",
      network: "mtn",
      input: { kind: "latest", text: "", isNew: true, dialled: ["3"], hop: 1 },
    });
  });

  it("dials nothing extra when Message is just the code", () => {
    const body = { ...fixture("hubtel/initiation.constructed.json"), Message: "*713*5#" };
    assert.deepEqual(inputOf(parse(body)).input, {
      kind: "latest",
      text: "",
      isNew: true,
      dialled: [],
      hop: 1,
    });
  });

  it("reads a Response as the latest input with Sequence as the hop", () => {
    const request = inputOf(parse(fixture("hubtel/response.constructed.json")));
    assert.equal(request.sessionId, "hubtel:3c7e2a90b1d84f0c9a5e6b7d8c9f0a1b");
    assert.deepEqual(request.input, { kind: "latest", text: "04040404040", isNew: false, hop: 3 });
  });

  it("compares Type case-insensitively and accepts Sequence as text", () => {
    const body = { ...fixture("hubtel/response.constructed.json"), Type: "RESPONSE", Sequence: "3" };
    assert.deepEqual(inputOf(parse(body)).input, {
      kind: "latest",
      text: "04040404040",
      isNew: false,
      hop: 3,
    });
    const initiation = { ...fixture("hubtel/initiation.constructed.json"), Type: "initiation" };
    assert.deepEqual(inputOf(parse(initiation)).input, {
      kind: "latest",
      text: "",
      isNew: true,
      dialled: ["3"],
      hop: 1,
    });
  });

  it("turns Release and Timeout into ended events", () => {
    assert.deepEqual(endedOf(parse(fixture("hubtel/release.constructed.json"))), {
      kind: "ended",
      sessionId: "hubtel:3c7e2a90b1d84f0c9a5e6b7d8c9f0a1b",
      phone: "233246912184",
      reason: "release",
    });
    const timeout = endedOf(parse({ ...fixture("hubtel/timeout.constructed.json"), Type: "timeout" }));
    assert.equal(timeout.reason, "timeout");
    assert.equal(timeout.sessionId, "hubtel:3c7e2a90b1d84f0c9a5e6b7d8c9f0a1b");
  });

  it("acknowledges an end even without a usable Mobile", () => {
    const { Mobile: _mobile, ...body } = fixture("hubtel/release.constructed.json");
    assert.deepEqual(endedOf(parse(body)), {
      kind: "ended",
      sessionId: "hubtel:3c7e2a90b1d84f0c9a5e6b7d8c9f0a1b",
      reason: "release",
    });
  });

  it("normalises Mobile to E.164 digits", () => {
    for (const Mobile of ["233246912184", "+233 24 691 2184", "0246912184", 233246912184]) {
      const body = { ...fixture("hubtel/response.constructed.json"), Mobile };
      assert.equal(inputOf(parse(body)).phone, "233246912184", String(Mobile));
    }
  });

  it("refuses missing and malformed fields, naming the field", () => {
    const base = fixture("hubtel/response.constructed.json");
    const without = (field: string) => {
      const body = { ...base };
      delete body[field];
      return body;
    };
    assert.match(refusalOf(parse(without("SessionId"))), /^SessionId /);
    assert.match(refusalOf(parse(without("Type"))), /^Type /);
    assert.match(refusalOf(parse(without("Mobile"))), /^Mobile /);
    assert.match(refusalOf(parse({ ...base, SessionId: "" })), /^SessionId /);
    assert.match(refusalOf(parse({ ...base, Message: { text: "1" } })), /^Message /);
    assert.match(refusalOf(parse({ ...base, Sequence: "two" })), /^Sequence /);
    assert.equal(refusalOf(parse({ ...base, Mobile: "12" })), "Mobile is not a valid phone number");
    assert.equal(refusalOf(parse({ ...base, Type: "AddToCart" })), "Type AddToCart is not supported");
    assert.match(refusalOf(parse(undefined)), /^Type /);
    assert.match(refusalOf(parse(["not", "an", "object"])), /^body /);
  });

  it("renders continue and end screens as Hubtel's Response/Release JSON", () => {
    const request = callback({ body: fixture("hubtel/response.constructed.json") });
    const more = hubtel.render({ text: "1. Buy power\n2. Airtime", end: false }, request);
    assert.equal(more.status, 200);
    assert.equal(more.contentType, "application/json");
    assert.deepEqual(JSON.parse(more.body), { Type: "Response", Message: "1. Buy power\n2. Airtime" });
    const done = hubtel.render({ text: "Thank you.", end: true }, request);
    assert.deepEqual(JSON.parse(done.body), { Type: "Release", Message: "Thank you." });
  });

  it("acknowledges an end with 200 and a well-formed Release", () => {
    const ack = hubtel.acknowledgeEnd(callback({ body: fixture("hubtel/release.constructed.json") }));
    assert.equal(ack.status, 200);
    assert.deepEqual(JSON.parse(ack.body), { Type: "Release", Message: "" });
  });

  it("keeps Hubtel's GSM-7 screen limit and JSON POST route", () => {
    assert.deepEqual([hubtel.method, hubtel.body, AGGREGATORS.hubtel.screenLimit], ["POST", "json", 182]);
    assert.deepEqual(hubtel.paths, [""]);
  });
});
