// Hubtel Programmable Services (Ghana): POST JSON `Type, SessionId, Mobile, ServiceCode, Message, Operator,
// Sequence, ClientState`. `Message` is the whole dial string on `Initiation` and the latest input after.
// Reply JSON `{"Type":"Response"|"Release","Message":"…"}`. `ClientState` is never used: the session store
// holds our state.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { dialledParts, dialParts, formatDialCode } from "./dial.js";
import { inputField, jsonResponse, optionalTextField, textField } from "./wire.js";

const callback = z.object({
  Type: textField("Type", 32),
  SessionId: textField("SessionId"),
  Mobile: optionalTextField("Mobile", 32),
  ServiceCode: inputField("ServiceCode", 64),
  Message: inputField("Message"),
  Operator: optionalTextField("Operator", 32),
  // A number; numeric text is accepted too.
  Sequence: z
    .preprocess(
      (value) => (typeof value === "string" && /^\d{1,9}$/.test(value.trim()) ? Number(value) : value),
      z
        .number({ error: "Sequence must be a whole number" })
        .int("Sequence must be a whole number")
        .min(0, "Sequence must be a whole number"),
    )
    .optional(),
});

/** Hubtel's ServiceCode has no `*`/`#` (`713*5`); app and web channels send a GUID, kept as it is. */
function serviceCodeOf(raw: string): string {
  return /^[\d*#]+$/.test(raw) ? formatDialCode(dialParts(raw)) : raw;
}

export const hubtel: UssdAggregator = {
  method: "POST",
  paths: [""],
  body: "json",

  parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
    const parsed = callback.safeParse(request.body ?? {});
    if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
    const { Type, SessionId, Mobile, ServiceCode, Message, Operator, Sequence } = parsed.data;
    const sessionId = `hubtel:${SessionId}`;
    const type = Type.toLowerCase();
    const phone = Mobile === undefined ? null : toPhone(Mobile);

    // Hubtel sends Timeout when we were too slow: any reply is ignored, the session is gone. An end is always
    // acknowledged: a phone that does not parse is left out rather than refused.
    if (type === "release" || type === "timeout") {
      return { ok: true, event: { kind: "ended", sessionId, ...(phone ? { phone } : {}), reason: type } };
    }
    if (type !== "initiation" && type !== "response") {
      return { ok: false, reason: `Type ${Type} is not supported` };
    }
    if (Mobile === undefined) return { ok: false, reason: "Mobile is required" };
    if (!phone) return { ok: false, reason: "Mobile is not a valid phone number" };
    const hop = Sequence === undefined ? {} : { hop: Sequence };
    return {
      ok: true,
      event: {
        kind: "input",
        request: {
          sessionId,
          phone,
          serviceCode: serviceCodeOf(ServiceCode),
          ...(Operator ? { network: Operator } : {}),
          input:
            type === "initiation"
              ? { kind: "latest", text: "", isNew: true, dialled: dialledParts(Message, ServiceCode), ...hop }
              : { kind: "latest", text: Message, isNew: false, ...hop },
        },
      },
    };
  },

  render(reply: UssdReply) {
    return jsonResponse({ Type: reply.end ? "Release" : "Response", Message: reply.text });
  },

  acknowledgeEnd() {
    // Hubtel ignores the answer to Release/Timeout; a well-formed Release is the safest thing to send.
    return jsonResponse({ Type: "Release", Message: "" });
  },
};
