import assert from "node:assert/strict";
import { infobip } from "../../../src/ussd/aggregators/infobip.js";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { callback, endedOf, fixture, inputOf, phoneReader, refusalOf } from "./helpers.js";

// Infobip sends international numbers; the region only matters for local forms.
const toPhone = phoneReader("GH");
const parse = (sessionId: string, action: string, body: unknown) =>
  infobip.parse(callback({ params: { sessionId, action }, body }), toPhone);

describe("infobip adapter", () => {
  it("mounts per-session URLs", () => {
    assert.deepEqual(infobip.paths, ["/:sessionId/:action"]);
    assert.deepEqual([infobip.method, infobip.body, AGGREGATORS.infobip.screenLimit], ["POST", "json", 182]);
  });

  it("reads start as a new session with msisdn (vumi's test data)", () => {
    assert.deepEqual(inputOf(parse("1", "start", fixture("infobip/start.vumi-test-data.json"))), {
      sessionId: "infobip:1",
      phone: "385955363443",
      serviceCode: "*123#",
      input: { kind: "latest", text: "", isNew: true, dialled: [] },
    });
  });

  it("splits inputs dialled after shortCode on start", () => {
    const request = inputOf(parse("s-42", "start", fixture("infobip/start-dialled.constructed.json")));
    assert.equal(request.serviceCode, "*384*12#");
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: ["1"] });
  });

  it("reads response as the latest input with phone left for the session layer to fill", () => {
    assert.deepEqual(inputOf(parse("s-42", "response", fixture("infobip/response.constructed.json"))), {
      sessionId: "infobip:s-42",
      phone: "",
      serviceCode: "",
      input: { kind: "latest", text: "1", isNew: false },
    });
  });

  it("uses msisdn on response when Infobip sends it", () => {
    const body = { ...fixture("infobip/response.constructed.json"), msisdn: "+233 24 691 2184" };
    assert.equal(inputOf(parse("s-42", "response", body)).phone, "233246912184");
    assert.equal(
      refusalOf(parse("s-42", "response", { text: "1", msisdn: "42" })),
      "msisdn is not a valid phone number",
    );
  });

  it("reads end as an ended event with reason and exit code", () => {
    assert.deepEqual(endedOf(parse("1", "end", fixture("infobip/end.vumi-test-data.json"))), {
      kind: "ended",
      sessionId: "infobip:1",
      reason: "ok (exitCode 0)",
    });
    assert.equal(endedOf(parse("1", "end", {})).reason, "end");
  });

  it("normalises start msisdn to E.164 digits", () => {
    const body = { ...fixture("infobip/start-dialled.constructed.json"), msisdn: "+233246912184" };
    assert.equal(inputOf(parse("s-1", "start", body)).phone, "233246912184");
  });

  it("refuses missing and malformed fields and unknown actions, naming the field", () => {
    const start = fixture("infobip/start-dialled.constructed.json");
    const { msisdn: _msisdn, ...noMsisdn } = start;
    assert.match(refusalOf(parse("s-1", "start", noMsisdn)), /^msisdn /);
    assert.equal(
      refusalOf(parse("s-1", "start", { ...start, msisdn: "0" })),
      "msisdn is not a valid phone number",
    );
    assert.match(refusalOf(parse("s-1", "response", {})), /^text /);
    assert.match(refusalOf(parse("s-1", "end", { exitCode: { code: 1 } })), /^exitCode /);
    assert.match(refusalOf(parse("", "start", start)), /^sessionId /);
    assert.match(refusalOf(parse("s-1", "restart", {})), /^action restart is not supported/);
    assert.match(refusalOf(infobip.parse(callback({ body: start }), toPhone)), /^sessionId /);
  });

  it("renders continue and close menus with Infobip's exit code fields", () => {
    const request = callback({ params: { sessionId: "s-1", action: "start" }, body: {} });
    const more = infobip.render({ text: "1. Electricity\n2. Water", end: false }, request);
    assert.equal(more.status, 200);
    assert.equal(more.contentType, "application/json");
    assert.deepEqual(JSON.parse(more.body), {
      ussdMenu: "1. Electricity\n2. Water",
      shouldClose: false,
      responseExitCode: 200,
      responseMessage: "",
    });
    const done = JSON.parse(infobip.render({ text: "Bye", end: true }, request).body);
    assert.equal(done.shouldClose, true);
    assert.equal(done.responseExitCode, 200);
  });

  it("reads status as a question about the session, on its own GET path", () => {
    assert.equal(infobip.statusPath, "/:sessionId/status");
    assert.deepEqual(infobip.parse(callback({ params: { sessionId: "1" } }), toPhone), {
      ok: true,
      event: { kind: "status", sessionId: "infobip:1" },
    });
    const answer = infobip.renderStatus?.(true, callback({ params: { sessionId: "1" } }));
    assert.deepEqual(JSON.parse(answer?.body ?? "{}"), {
      sessionActive: true,
      responseExitCode: 200,
      responseMessage: "",
    });
  });

  it("renders refusals in the exit code shape, with the HTTP status as the exit code", () => {
    const refused = infobip.renderRefusal?.(400, "msisdn is required");
    assert.equal(refused?.status, 400);
    assert.equal(refused?.contentType, "application/json");
    assert.deepEqual(JSON.parse(refused?.body ?? "{}"), {
      responseExitCode: 400,
      responseMessage: "msisdn is required",
    });
    assert.equal(infobip.firstReplyIsMenu, true);
  });

  it("acknowledges end with only the exit code fields", () => {
    const ack = infobip.acknowledgeEnd(callback({ params: { sessionId: "1", action: "end" } }));
    assert.equal(ack.status, 200);
    assert.deepEqual(JSON.parse(ack.body), { responseExitCode: 200, responseMessage: "" });
  });
});
