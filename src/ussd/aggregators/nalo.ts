// Nalo Solutions (Ghana): POST JSON `USERID, MSISDN, USERDATA, MSGTYPE, NETWORK, SESSIONID`. Inbound
// `MSGTYPE` true = first hop (USERDATA is then the dial string); outbound `MSGTYPE` true = continue,
// false = end. Reply JSON `{USERID, MSISDN, MSG, MSGTYPE}`, echoing USERID and MSISDN. Nalo sends no
// release/timeout callback.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { type DialOptions, splitDialString } from "./dial.js";
import { echoed, flagField, inputField, jsonResponse, optionalTextField, textField } from "./wire.js";

const callback = z.object({
  USERID: textField("USERID", 64),
  MSISDN: textField("MSISDN", 32),
  USERDATA: inputField("USERDATA"),
  MSGTYPE: flagField(),
  NETWORK: optionalTextField("NETWORK", 32),
  SESSIONID: optionalTextField("SESSIONID"),
});

/** Outbound MSGTYPE: true keeps the session open, false ends it (inbound it means "first hop"). */
function reply(request: CallbackRequest, text: string, keepOpen: boolean) {
  return jsonResponse({
    USERID: echoed(request.body, "USERID"),
    MSISDN: echoed(request.body, "MSISDN"),
    MSG: text,
    MSGTYPE: keepOpen,
  });
}

export function createNalo(options: DialOptions = {}): UssdAggregator {
  return {
    method: "POST",
    paths: [""],
    body: "json",

    parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
      const parsed = callback.safeParse(request.body ?? {});
      if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
      const { USERID, MSISDN, USERDATA, MSGTYPE, NETWORK, SESSIONID } = parsed.data;
      const phone = toPhone(MSISDN);
      if (!phone) return { ok: false, reason: "MSISDN is not a valid phone number" };
      // Without SESSIONID (some integrations key on MSISDN, as ussd-builder does), the phone and our USERID
      // name the session: one live session per phone. The session layer must start afresh on a first hop.
      const sessionId = SESSIONID ? `nalo:${SESSIONID}` : `nalo:msisdn:${phone}:${USERID}`;
      const first = MSGTYPE ? splitDialString(USERDATA, options.serviceCodes) : undefined;
      return {
        ok: true,
        event: {
          kind: "input",
          request: {
            sessionId,
            ...(SESSIONID ? {} : { sessionIdReused: true }),
            phone,
            serviceCode: first?.serviceCode ?? "",
            ...(NETWORK ? { network: NETWORK } : {}),
            input: first
              ? { kind: "latest", text: "", isNew: true, dialled: first.dialled }
              : { kind: "latest", text: USERDATA, isNew: false },
          },
        },
      };
    },

    render(screen: UssdReply, request: CallbackRequest) {
      return reply(request, screen.text, !screen.end);
    },

    acknowledgeEnd(request: CallbackRequest) {
      // Not called in practice (Nalo has no end callback); answers like a closing screen.
      return reply(request, "", false);
    },
  };
}

/** Nalo adapter without configured service codes: first-hop dialled inputs are not split off. */
export const nalo: UssdAggregator = createNalo();
