// How tests play each aggregator's wire format over HTTP (supertest against the real app): its first hop
// (with the dial string), its later hops and its replies. Shared by the journey and the stale-hop tests.
import assert from "node:assert/strict";
import request from "supertest";
import type { Rig } from "./journey.js";

export interface Screen {
  text: string;
  end: boolean;
}

/** How a test plays one aggregator: its first hop (with the dial string), later hops, and its replies. */
export interface WireDriver {
  name: string;
  /** The aggregator tells its hops apart (a hop counter): its quote is paid with `1`, not a code. */
  countsHops: boolean;
  limit: number;
  phone: string;
  first(app: Rig["service"]["app"], sessionId: string, dialString: string): Promise<request.Response>;
  next(app: Rig["service"]["app"], sessionId: string, text: string, hop: number): Promise<request.Response>;
  read(res: request.Response): Screen;
}

const xmlField = (xml: string, name: string) =>
  (new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1] ?? "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

export const drivers: WireDriver[] = [
  {
    name: "hubtel",
    countsHops: true,
    limit: 182,
    phone: "233246912184",
    first: (app, id, dial) =>
      request(app).post("/ussd/hubtel").send({
        Type: "Initiation",
        SessionId: id,
        Mobile: "233246912184",
        ServiceCode: "384*123",
        Message: dial,
        Operator: "mtn",
        Sequence: 1,
      }),
    next: (app, id, text, hop) =>
      request(app).post("/ussd/hubtel").send({
        Type: "Response",
        SessionId: id,
        Mobile: "233246912184",
        ServiceCode: "384*123",
        Message: text,
        Operator: "mtn",
        Sequence: hop,
      }),
    read: (res) => ({ text: res.body.Message, end: res.body.Type === "Release" }),
  },
  {
    name: "nalo",
    countsHops: false,
    limit: 120,
    phone: "233501234567",
    first: (app, id, dial) =>
      request(app).post("/ussd/nalo").send({
        USERID: "NALOTest",
        MSISDN: "233501234567",
        USERDATA: dial,
        MSGTYPE: true,
        NETWORK: "MTN",
        SESSIONID: id,
      }),
    next: (app, id, text) =>
      request(app).post("/ussd/nalo").send({
        USERID: "NALOTest",
        MSISDN: "233501234567",
        USERDATA: text,
        MSGTYPE: false,
        NETWORK: "MTN",
        SESSIONID: id,
      }),
    read: (res) => {
      assert.equal(res.body.USERID, "NALOTest", "USERID echoed");
      assert.equal(res.body.MSISDN, "233501234567", "MSISDN echoed");
      return { text: res.body.MSG, end: res.body.MSGTYPE === false };
    },
  },
  {
    name: "arkesel",
    countsHops: false,
    limit: 182,
    phone: "233241234567",
    first: (app, id, dial) =>
      request(app).post("/ussd/arkesel").send({
        sessionID: id,
        userID: "ark1",
        newSession: true,
        msisdn: "233241234567",
        userData: dial,
        network: "MTN",
      }),
    next: (app, id, text) =>
      request(app).post("/ussd/arkesel").send({
        sessionID: id,
        userID: "ark1",
        newSession: false,
        msisdn: "233241234567",
        userData: text,
        network: "MTN",
      }),
    read: (res) => ({ text: res.body.message, end: res.body.continueSession === false }),
  },
  {
    name: "infobip",
    countsHops: false,
    limit: 182,
    phone: "233246912185",
    first: (app, id, dial) =>
      request(app)
        .post(`/ussd/infobip/${id}/start`)
        .send({ msisdn: "233246912185", text: dial, shortCode: "*384*123#" }),
    // Later hops carry no msisdn: the session supplies the phone.
    next: (app, id, text) => request(app).put(`/ussd/infobip/${id}/response`).send({ text }),
    read: (res) => ({ text: res.body.ussdMenu, end: res.body.shouldClose === true }),
  },
  {
    name: "hollatags",
    countsHops: false,
    limit: 160,
    phone: "2348031234567",
    first: (app, id, dial) =>
      request(app).get("/ussd/hollatags").query({
        session_msisdn: "2348031234567",
        session_operation: "begin",
        session_msg: dial,
        session_id: id,
        session_from: "*384*123#",
        session_type: "1",
        session_mno: "MTN",
      }),
    next: (app, id, text) =>
      request(app).get("/ussd/hollatags").query({
        session_msisdn: "2348031234567",
        session_operation: "continue",
        session_msg: text,
        session_id: id,
        session_from: "*384*123#",
        session_type: "1",
        session_mno: "MTN",
      }),
    read: (res) => ({ text: res.body.session_msg, end: res.body.session_operation === "end" }),
  },
  {
    name: "truroute",
    countsHops: false,
    limit: 182,
    phone: "264811234567",
    first: (app, id, dial) =>
      request(app)
        .post("/ussd/truroute")
        .set("Content-Type", "application/xml")
        .send(
          `<ussd><msisdn>264811234567</msisdn><sessionid>${id}</sessionid><type>1</type><msg>${dial}</msg></ussd>`,
        ),
    next: (app, id, text) =>
      request(app)
        .post("/ussd/truroute")
        .set("Content-Type", "application/xml")
        .send(
          `<ussd><msisdn>264811234567</msisdn><sessionid>${id}</sessionid><type>2</type><msg>${text}</msg></ussd>`,
        ),
    read: (res) => ({ text: xmlField(res.text, "msg"), end: xmlField(res.text, "type") === "3" }),
  },
];

/**
 * What pays the quote on screen: `1 Pay` where the aggregator tells its hops apart, else the code the
 * screen shows (`Enter 4821 to pay`, or `4821 Pay` where the screen is short).
 */
export function payInput(driver: Pick<WireDriver, "countsHops">, quote: Screen): string {
  if (driver.countsHops) {
    assert.match(quote.text, /^1 Pay( |$)/m);
    return "1";
  }
  const code = /^Enter (\d{4}) to pay$/m.exec(quote.text)?.[1] ?? /^(\d{4}) Pay 2 /m.exec(quote.text)?.[1];
  assert.ok(code, `no pay code on the quote:\n${quote.text}`);
  return code;
}

/**
 * Africa's Talking: every later hop carries the whole input path (`1*04040404040*100`), so `next` takes the
 * path, not one input. Its first hop carries no dial string (only parts dialled after the code).
 */
export const africasTalkingDriver: WireDriver = {
  name: "africastalking",
  countsHops: true,
  limit: 182,
  phone: "26771234567",
  first: (app, id) =>
    request(app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId: id, serviceCode: "*384*123#", phoneNumber: "+26771234567", text: "" }),
  next: (app, id, path) =>
    request(app)
      .post("/ussd/africastalking")
      .type("form")
      .send({ sessionId: id, serviceCode: "*384*123#", phoneNumber: "+26771234567", text: path }),
  read: (res) => ({ text: res.text.slice(4), end: res.text.startsWith("END ") }),
};
