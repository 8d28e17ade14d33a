// Africa's Talking USSD: form-encoded (or JSON) `sessionId, serviceCode, phoneNumber, text, networkCode`,
// where `text` is every input so far joined by `*`. Reply: text/plain `CON …` to continue, `END …` to close.
// (Its end-of-session events arrive on their own route: africastalking-events.ts.)
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";

const callback = z.object({
  sessionId: z.string().trim().min(1, "sessionId is required").max(128, "sessionId is too long"),
  serviceCode: z.string().max(64, "serviceCode is too long").default(""),
  phoneNumber: z.string().trim().min(1, "phoneNumber is required").max(32, "phoneNumber is too long"),
  text: z.string().max(1000, "text is too long").default(""),
  networkCode: z.string().max(16).optional(),
});

export const africasTalking: UssdAggregator = {
  method: "POST",
  paths: [""],
  body: "form-or-json",

  parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
    const parsed = callback.safeParse(request.body ?? {});
    if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
    const { sessionId, serviceCode, phoneNumber, text, networkCode } = parsed.data;
    const phone = toPhone(phoneNumber);
    if (!phone) return { ok: false, reason: "phoneNumber is not a valid phone number" };
    return {
      ok: true,
      event: {
        kind: "input",
        request: {
          sessionId: `africastalking:${sessionId}`,
          phone,
          serviceCode,
          ...(networkCode ? { network: networkCode } : {}),
          input: { kind: "path", inputs: text === "" ? [] : text.split("*") },
        },
      },
    };
  },

  render(reply: UssdReply) {
    return { status: 200, contentType: "text/plain", body: `${reply.end ? "END" : "CON"} ${reply.text}` };
  },

  acknowledgeEnd() {
    return { status: 200, contentType: "text/plain", body: "OK" };
  },
};
