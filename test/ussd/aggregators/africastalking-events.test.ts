import assert from "node:assert/strict";
import { parseAfricasTalkingEvent } from "../../../src/ussd/aggregators/africastalking-events.js";
import { fixture, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("GH");

describe("parseAfricasTalkingEvent", () => {
  it("turns an Incomplete session into an ended event on the hops' session id", () => {
    assert.deepEqual(
      parseAfricasTalkingEvent(fixture("africastalking-events/incomplete.constructed.json"), toPhone),
      {
        ok: true,
        event: {
          kind: "ended",
          sessionId: "africastalking:ATUid_6c77b1c2d3e4f5a6b7c8d9e0f1a2b3c4",
          phone: "233246912184",
          reason: "Incomplete",
        },
      },
    );
  });

  it("adds errorMessage to the reason of a Failed session", () => {
    const parsed = parseAfricasTalkingEvent(
      fixture("africastalking-events/failed.constructed.json"),
      toPhone,
    );
    assert.ok(parsed.ok);
    assert.equal(parsed.event.reason, "Failed: Timed out waiting for the application");
  });

  it("leaves out a phone that does not parse instead of refusing the notice", () => {
    const body = { ...fixture("africastalking-events/incomplete.constructed.json"), phoneNumber: "garbage" };
    const parsed = parseAfricasTalkingEvent(body, toPhone);
    assert.ok(parsed.ok);
    assert.equal(parsed.event.phone, undefined);
  });

  it("refuses a notice without sessionId or status, naming the field", () => {
    const base = fixture("africastalking-events/incomplete.constructed.json");
    const { sessionId: _id, ...noId } = base;
    const { status: _status, ...noStatus } = base;
    assert.match(refusalOf(parseAfricasTalkingEvent(noId, toPhone)), /^sessionId /);
    assert.match(refusalOf(parseAfricasTalkingEvent(noStatus, toPhone)), /^status /);
    assert.match(refusalOf(parseAfricasTalkingEvent(undefined, toPhone)), /^sessionId /);
  });
});
