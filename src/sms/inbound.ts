// Africa's Talking inbound SMS (form fields `from, to, text, date, id, linkId`) → one InboundSms.
import { z } from "zod";
import { firstIssue } from "../http/refusal.js";
import type { InboundSms } from "./conversations.js";

const inbound = z.object({
  from: z.string().trim().min(1, "from is required").max(32, "from is too long"),
  to: z.string().max(32).optional(),
  text: z.string().max(1600, "text is too long").default(""),
  date: z.string().max(64).optional(),
  id: z.string().trim().min(1, "id is required").max(128, "id is too long"),
  linkId: z.string().max(128).optional(),
  networkCode: z.string().max(16).optional(),
});

export function parseAfricasTalkingInbound(
  body: unknown,
  toPhone: (raw: string) => string | null,
): { ok: true; sms: InboundSms } | { ok: false; reason: string } {
  const parsed = inbound.safeParse(body ?? {});
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
  const from = toPhone(parsed.data.from);
  if (!from) return { ok: false, reason: "from is not a valid phone number" };
  return { ok: true, sms: { id: parsed.data.id, from, text: parsed.data.text } };
}
