import assert from "node:assert/strict";
import { AGGREGATORS } from "../../../src/ussd/aggregators/registry.js";
import { createTruRoute, truRoute } from "../../../src/ussd/aggregators/truroute.js";
import { callback, endedOf, fixtureText, inputOf, phoneReader, refusalOf } from "./helpers.js";

const toPhone = phoneReader("NA");
const configured = createTruRoute({ serviceCodes: ["*140*123#"] });
const parse = (body: unknown, adapter = truRoute) => adapter.parse(callback({ body }), toPhone);
const xml = (fields: string) => `<ussd>${fields}</ussd>`;

describe("truroute adapter", () => {
  it("takes the raw XML text and answers application/xml", () => {
    assert.deepEqual(
      [truRoute.method, truRoute.body, AGGREGATORS.truroute.screenLimit],
      ["POST", "xml", 182],
    );
  });

  it("reads type 1 as a new session, splitting inputs after a configured code", () => {
    assert.deepEqual(inputOf(parse(fixtureText("truroute/new.constructed.xml"), configured)), {
      sessionId: "truroute:88217734",
      phone: "264811234567",
      serviceCode: "*140*123#",
      input: { kind: "latest", text: "", isNew: true, dialled: ["2"] },
    });
  });

  it("without a configured code dials nothing extra", () => {
    const request = inputOf(parse(fixtureText("truroute/new.constructed.xml")));
    assert.equal(request.serviceCode, "*140*123*2#");
    assert.deepEqual(request.input, { kind: "latest", text: "", isNew: true, dialled: [] });
  });

  it("reads type 2 as the latest input", () => {
    const request = inputOf(parse(fixtureText("truroute/response.constructed.xml")));
    assert.equal(request.sessionId, "truroute:88217734");
    assert.deepEqual(request.input, { kind: "latest", text: "04040404040", isNew: false });
  });

  it("turns type 3 (released) and 4 (timeout) into ended events", () => {
    assert.deepEqual(endedOf(parse(fixtureText("truroute/released.constructed.xml"))), {
      kind: "ended",
      sessionId: "truroute:88217734",
      phone: "264811234567",
      reason: "released",
    });
    assert.equal(endedOf(parse(fixtureText("truroute/timeout.constructed.xml"))).reason, "timeout");
  });

  it("decodes entities, character references and CDATA in fields", () => {
    const body = xml(
      "<msisdn> 264811234567 </msisdn><sessionid>a&amp;b</sessionid><type>2</type>" +
        "<msg>&lt;1&gt; &#65;&#x42; <![CDATA[<raw> & ]]>&quot;</msg>",
    );
    const request = inputOf(parse(body));
    assert.equal(request.sessionId, "truroute:a&b");
    assert.deepEqual(request.input, { kind: "latest", text: '<1> AB <raw> & "', isNew: false });
  });

  it("normalises msisdn to E.164 digits", () => {
    for (const msisdn of ["264811234567", "0811234567", "+264 81 123 4567"]) {
      const body = xml(`<msisdn>${msisdn}</msisdn><sessionid>1</sessionid><type>2</type><msg>1</msg>`);
      assert.equal(inputOf(parse(body)).phone, "264811234567", msisdn);
    }
  });

  it("refuses malformed XML", () => {
    const good = "<msisdn>264811234567</msisdn><sessionid>1</sessionid><type>2</type><msg>1</msg>";
    for (const body of [
      "",
      "not xml",
      `<ussd>${good}`,
      `<ussd>${good}</ussdx>`,
      `<other>${good}</other>`,
      xml(good.replace("</msg>", "")),
      xml(`${good}<msg>2</msg>`),
      xml(good.replace("<msg>1</msg>", "<msg><b>1</b></msg>")),
      xml(good.replace("<msg>1</msg>", "<msg>a < b</msg>")),
      xml(`stray${good}`),
      `${xml(good)}<ussd/>`,
      xml(good.replace("<msg>1</msg>", "<msg>1<!-- open</msg>")),
    ]) {
      assert.match(refusalOf(parse(body)), /XML/, body);
    }
    assert.match(refusalOf(parse({ msisdn: "264811234567" })), /XML/);
  });

  it("refuses missing and malformed fields, naming the field", () => {
    assert.match(refusalOf(parse(xml("<sessionid>1</sessionid><type>2</type><msg>1</msg>"))), /^msisdn /);
    assert.match(refusalOf(parse(xml("<msisdn>264811234567</msisdn><type>2</type>"))), /^sessionid /);
    assert.match(refusalOf(parse(xml("<msisdn>264811234567</msisdn><sessionid>1</sessionid>"))), /^type /);
    assert.equal(
      refusalOf(parse(xml("<msisdn>264811234567</msisdn><sessionid>1</sessionid><type>10</type><msg/>"))),
      "type 10 is not supported",
    );
    assert.equal(
      refusalOf(parse(xml("<msisdn>12</msisdn><sessionid>1</sessionid><type>2</type><msg>1</msg>"))),
      "msisdn is not a valid phone number",
    );
  });

  it("renders type 2 to continue and 3 to close, escaping < > & in the text", () => {
    const request = callback({ body: fixtureText("truroute/response.constructed.xml") });
    const more = truRoute.render({ text: "1. Power & water\n2. <Back>", end: false }, request);
    assert.equal(more.status, 200);
    assert.equal(more.contentType, "application/xml");
    assert.equal(more.body, "<ussd><type>2</type><msg>1. Power &amp; water\n2. &lt;Back&gt;</msg></ussd>");
    const done = truRoute.render({ text: "Thank you.", end: true }, request);
    assert.equal(done.body, "<ussd><type>3</type><msg>Thank you.</msg></ussd>");
  });

  it("drops characters XML cannot carry instead of sending a broken document", () => {
    const reply = truRoute.render({ text: "a\u0000b\u001bc", end: true }, callback({}));
    assert.equal(reply.body, "<ussd><type>3</type><msg>abc</msg></ussd>");
  });

  it("round-trips its own reply through the same reader", () => {
    const text = 'Pay N$ 100 & get <tokens> "now"';
    const reply = truRoute.render({ text, end: false }, callback({}));
    const back = inputOf(
      parse(
        reply.body.replace(
          "<type>2</type>",
          "<msisdn>264811234567</msisdn><sessionid>9</sessionid><type>2</type>",
        ),
      ),
    );
    assert.deepEqual(back.input, { kind: "latest", text, isNew: false });
  });

  it("acknowledges an end with a type 3 reply", () => {
    const ack = truRoute.acknowledgeEnd(callback({ body: fixtureText("truroute/released.constructed.xml") }));
    assert.equal(ack.status, 200);
    assert.equal(ack.contentType, "application/xml");
    assert.equal(ack.body, "<ussd><type>3</type><msg></msg></ussd>");
  });
});
