// TruRoute-USSD (sms.com.na, Namibia): POST XML `<ussd><msisdn/><sessionid/><type/><msg/></ussd>`; type 1 a
// new session (msg = the code dialled), 2 a response, 3 released by the user, 4 timed out (10, a failed
// premium charge, never happens: we send no premium). Reply `<ussd><type>2|3</type><msg>…</msg></ussd>`:
// 2 keeps the session open, 3 closes it.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { type DialOptions, splitDialString } from "./dial.js";
import { escapeXmlText, parseFlatXml } from "./flat-xml.js";
import { inputField, textField } from "./wire.js";

const callback = z.object({
  msisdn: textField("msisdn", 32),
  sessionid: textField("sessionid"),
  type: textField("type", 4),
  msg: inputField("msg"),
});

const ENDED: Record<string, string> = { "3": "released", "4": "timeout" };

function xmlReply(type: 2 | 3, text: string) {
  return {
    status: 200,
    contentType: "application/xml",
    body: `<ussd><type>${type}</type><msg>${escapeXmlText(text)}</msg></ussd>`,
  };
}

export function createTruRoute(options: DialOptions = {}): UssdAggregator {
  return {
    method: "POST",
    paths: [""],
    body: "xml",

    parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
      if (typeof request.body !== "string" || request.body.trim() === "") {
        return { ok: false, reason: "body must be <ussd> XML" };
      }
      const xml = parseFlatXml(request.body, "ussd");
      if (!xml.ok) return xml;
      const parsed = callback.safeParse(xml.fields);
      if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
      const { msisdn, sessionid, type, msg } = parsed.data;
      const sessionId = `truroute:${sessionid}`;
      const phone = toPhone(msisdn);

      const ended = ENDED[type];
      if (ended) {
        // An end is always acknowledged: a phone that does not parse is left out rather than refused.
        return { ok: true, event: { kind: "ended", sessionId, ...(phone ? { phone } : {}), reason: ended } };
      }
      if (type !== "1" && type !== "2") return { ok: false, reason: `type ${type} is not supported` };
      if (!phone) return { ok: false, reason: "msisdn is not a valid phone number" };
      const first = type === "1" ? splitDialString(msg, options.serviceCodes) : undefined;
      return {
        ok: true,
        event: {
          kind: "input",
          request: {
            sessionId,
            phone,
            serviceCode: first?.serviceCode ?? "",
            input: first
              ? { kind: "latest", text: "", isNew: true, dialled: first.dialled }
              : { kind: "latest", text: msg, isNew: false },
          },
        },
      };
    },

    render(reply: UssdReply) {
      return xmlReply(reply.end ? 3 : 2, reply.text);
    },

    acknowledgeEnd() {
      return xmlReply(3, "");
    },
  };
}

/** TruRoute adapter without configured service codes: first-hop dialled inputs are not split off. */
export const truRoute: UssdAggregator = createTruRoute();
