// HollaTags (Nigeria): GET with query `session_msisdn, session_operation (begin|continue|end), session_msg,
// session_id, session_from (code dialled), session_type, session_mno`. Reply JSON `{session_operation:
// "continue"|"end", session_type: 1|4, session_id, session_msg}`: type 1 waits for input, 4 notifies and ends.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { dialledParts, dialParts, formatDialCode } from "./dial.js";
import { echoed, inputField, jsonResponse, optionalTextField, textField } from "./wire.js";

const query = z.object({
  session_msisdn: textField("session_msisdn", 32),
  session_operation: textField("session_operation", 16),
  session_msg: inputField("session_msg"),
  session_id: textField("session_id"),
  session_from: inputField("session_from", 64),
  session_mno: optionalTextField("session_mno", 32),
});

function reply(request: CallbackRequest, text: string, end: boolean) {
  return jsonResponse({
    session_operation: end ? "end" : "continue",
    session_type: end ? 4 : 1,
    // Echoed as received (query values are text): it ties our answer to the session.
    session_id: echoed(request.query, "session_id"),
    session_msg: text,
  });
}

export const hollatags: UssdAggregator = {
  method: "GET",
  paths: [""],
  body: "none",

  parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
    const parsed = query.safeParse(request.query ?? {});
    if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
    const { session_msisdn, session_operation, session_msg, session_id, session_from, session_mno } =
      parsed.data;
    const sessionId = `hollatags:${session_id}`;
    const operation = session_operation.toLowerCase();
    const phone = toPhone(session_msisdn);

    if (operation === "end") {
      // An end is always acknowledged: a phone that does not parse is left out rather than refused.
      return { ok: true, event: { kind: "ended", sessionId, ...(phone ? { phone } : {}), reason: "end" } };
    }
    if (operation !== "begin" && operation !== "continue") {
      return { ok: false, reason: "session_operation must be begin, continue or end" };
    }
    if (!phone) return { ok: false, reason: "session_msisdn is not a valid phone number" };
    return {
      ok: true,
      event: {
        kind: "input",
        request: {
          sessionId,
          phone,
          serviceCode: formatDialCode(dialParts(session_from)),
          ...(session_mno ? { network: session_mno } : {}),
          // On begin session_msg may hold the full dial string (`*7006*1#`); anything else gives no inputs.
          input:
            operation === "begin"
              ? { kind: "latest", text: "", isNew: true, dialled: dialledParts(session_msg, session_from) }
              : { kind: "latest", text: session_msg, isNew: false },
        },
      },
    };
  },

  render(screen: UssdReply, request: CallbackRequest) {
    return reply(request, screen.text, screen.end);
  },

  acknowledgeEnd(request: CallbackRequest) {
    // HollaTags documents no answer to `end`; a well-formed closing reply with no text is the safe one.
    return reply(request, "", true);
  },
};
