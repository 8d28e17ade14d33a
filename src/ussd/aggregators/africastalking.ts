// Africa's Talking USSD: form-encoded (or JSON) `sessionId, serviceCode, phoneNumber, text, networkCode`,
// where `text` is every input so far joined by `*`. Reply: text/plain `CON …` to continue, `END …` to close.
import { z } from "zod";
import type { ParsedUssdRequest, UssdReply } from "../types.js";

const callback = z.object({
  sessionId: z.string().trim().min(1, "sessionId is required").max(128, "sessionId is too long"),
  serviceCode: z.string().max(64, "serviceCode is too long").default(""),
  phoneNumber: z.string().trim().min(1, "phoneNumber is required").max(32, "phoneNumber is too long"),
  text: z.string().max(1000, "text is too long").default(""),
  networkCode: z.string().max(16).optional(),
});

export function parseAfricasTalking(
  body: unknown,
  toPhone: (raw: string) => string | null,
): ParsedUssdRequest {
  const parsed = callback.safeParse(body ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "body";
    return {
      ok: false,
      reason:
        issue?.code === "invalid_type"
          ? `${field} is missing or not text`
          : `${issue?.message ?? "invalid body"}`,
    };
  }
  const { sessionId, serviceCode, phoneNumber, text, networkCode } = parsed.data;
  const phone = toPhone(phoneNumber);
  if (!phone) return { ok: false, reason: "phoneNumber is not a valid phone number" };
  return {
    ok: true,
    request: {
      sessionId: `africastalking:${sessionId}`,
      phone,
      serviceCode,
      ...(networkCode ? { network: networkCode } : {}),
      inputs: text === "" ? [] : text.split("*"),
    },
  };
}

export function formatAfricasTalking(reply: UssdReply): string {
  return `${reply.end ? "END" : "CON"} ${reply.text}`;
}
