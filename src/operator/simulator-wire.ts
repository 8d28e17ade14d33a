// The handset simulator's side of each aggregator's wire format: what that aggregator would post to our
// webhook for one keypress, and how to read the screen out of our answer. The shapes are the ones the
// adapters in src/ussd/aggregators/ read (the same the aggregator journey tests send), so a simulated
// session runs through the real route and the real adapter.

/** One keypress of a simulated session. */
export interface HandsetHop {
  sessionId: string;
  /** E.164 digits, no `+`. */
  phone: string;
  /** The whole dial string on the first hop (`*384*123#`, or `*384*123*1*…#` to dial directly). */
  dial: string;
  /** 1 on the dial, then one more per input. */
  hop: number;
  /** Every input typed after the dial, this hop's last (empty on the first hop). */
  inputs: string[];
}

export interface WireRequest {
  method: "GET" | "POST" | "PUT";
  /** Path and query under the service's base URL. */
  path: string;
  contentType?: string;
  body?: string;
}

export interface SimulatedScreen {
  text: string;
  end: boolean;
}

export interface HandsetWire {
  request(hop: HandsetHop): WireRequest;
  read(status: number, body: string): SimulatedScreen;
}

const json = (method: "POST" | "PUT", path: string, body: unknown): WireRequest => ({
  method,
  path,
  contentType: "application/json",
  body: JSON.stringify(body),
});

const latest = (hop: HandsetHop) => (hop.hop === 1 ? hop.dial : (hop.inputs.at(-1) ?? ""));

function parsed(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body);
    return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const textOf = (value: unknown) => (typeof value === "string" ? value : "");

function xmlField(xml: string, name: string): string {
  return (new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml)?.[1] ?? "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, "&");
}

const escapeXml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export const HANDSET_WIRES: Record<string, HandsetWire> = {
  // Every input so far joined by `*`; the reply is `CON …` or `END …`.
  africastalking: {
    request: (hop) => ({
      method: "POST",
      path: "/ussd/africastalking",
      contentType: "application/x-www-form-urlencoded",
      body: new URLSearchParams({
        sessionId: hop.sessionId,
        serviceCode: hop.dial,
        phoneNumber: `+${hop.phone}`,
        networkCode: "99999",
        text: hop.inputs.join("*"),
      }).toString(),
    }),
    read: (_status, body) => ({ text: body.replace(/^(CON|END) /, ""), end: body.startsWith("END") }),
  },
  hubtel: {
    request: (hop) =>
      json("POST", "/ussd/hubtel", {
        Type: hop.hop === 1 ? "Initiation" : "Response",
        SessionId: hop.sessionId,
        Mobile: hop.phone,
        ServiceCode: hop.dial.replace(/^\*|#$/g, ""),
        Message: latest(hop),
        Operator: "simulator",
        Sequence: hop.hop,
      }),
    read: (_status, body) => {
      const reply = parsed(body);
      return { text: textOf(reply.Message), end: reply.Type === "Release" };
    },
  },
  nalo: {
    request: (hop) =>
      json("POST", "/ussd/nalo", {
        USERID: "SIMULATOR",
        MSISDN: hop.phone,
        USERDATA: latest(hop),
        MSGTYPE: hop.hop === 1,
        NETWORK: "SIM",
        SESSIONID: hop.sessionId,
      }),
    read: (_status, body) => {
      const reply = parsed(body);
      return { text: textOf(reply.MSG), end: reply.MSGTYPE === false };
    },
  },
  arkesel: {
    request: (hop) =>
      json("POST", "/ussd/arkesel", {
        sessionID: hop.sessionId,
        userID: "simulator",
        newSession: hop.hop === 1,
        msisdn: hop.phone,
        userData: latest(hop),
        network: "SIM",
      }),
    read: (_status, body) => {
      const reply = parsed(body);
      return { text: textOf(reply.message), end: reply.continueSession === false };
    },
  },
  // The phone comes with `start` only; later hops are PUT to `response`.
  infobip: {
    request: (hop) =>
      hop.hop === 1
        ? json("POST", `/ussd/infobip/${encodeURIComponent(hop.sessionId)}/start`, {
            msisdn: hop.phone,
            text: hop.dial,
            shortCode: hop.dial,
          })
        : json("PUT", `/ussd/infobip/${encodeURIComponent(hop.sessionId)}/response`, {
            text: latest(hop),
          }),
    read: (_status, body) => {
      const reply = parsed(body);
      return { text: textOf(reply.ussdMenu), end: reply.shouldClose === true };
    },
  },
  hollatags: {
    request: (hop) => ({
      method: "GET",
      path: `/ussd/hollatags?${new URLSearchParams({
        session_msisdn: hop.phone,
        session_operation: hop.hop === 1 ? "begin" : "continue",
        session_msg: latest(hop),
        session_id: hop.sessionId,
        session_from: hop.dial,
        session_type: "1",
        session_mno: "SIM",
      }).toString()}`,
    }),
    read: (_status, body) => {
      const reply = parsed(body);
      return { text: textOf(reply.session_msg), end: reply.session_operation === "end" };
    },
  },
  truroute: {
    request: (hop) => ({
      method: "POST",
      path: "/ussd/truroute",
      contentType: "application/xml",
      body: `<ussd><msisdn>${hop.phone}</msisdn><sessionid>${escapeXml(hop.sessionId)}</sessionid><type>${
        hop.hop === 1 ? 1 : 2
      }</type><msg>${escapeXml(latest(hop))}</msg></ussd>`,
    }),
    read: (_status, body) => ({ text: xmlField(body, "msg"), end: xmlField(body, "type") === "3" }),
  },
};
