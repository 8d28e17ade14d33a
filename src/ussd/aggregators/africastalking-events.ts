// Africa's Talking's end-of-session events callback (its own URL, set in the dashboard): a form POST with
// `sessionId, serviceCode, networkCode, phoneNumber, status (Success|Incomplete|Failed), cost,
// durationInMillis, hopsCount, input, lastAppResponse, errorMessage, date`. It is AT's only signal that a
// session was dropped or timed out; normal hops never carry one. The route answers 200.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { UssdEvent } from "../types.js";
import { optionalTextField, textField } from "./wire.js";

const event = z.object({
  sessionId: textField("sessionId"),
  status: textField("status", 32),
  phoneNumber: optionalTextField("phoneNumber", 32),
  errorMessage: z.string().max(500, "errorMessage is too long").optional(),
});

export type AfricasTalkingEvent =
  | { ok: true; event: Extract<UssdEvent, { kind: "ended" }> }
  | { ok: false; reason: string };

export function parseAfricasTalkingEvent(
  body: unknown,
  toPhone: (raw: string) => string | null,
): AfricasTalkingEvent {
  const parsed = event.safeParse(body ?? {});
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
  const { sessionId, status, phoneNumber, errorMessage } = parsed.data;
  // The notice is always acknowledged: a phone that does not parse is left out rather than refused.
  const phone = phoneNumber === undefined ? null : toPhone(phoneNumber);
  const detail = errorMessage?.trim();
  return {
    ok: true,
    event: {
      kind: "ended",
      // Same id as the hops' (africastalking.ts), so the end lands on the same stored session.
      sessionId: `africastalking:${sessionId}`,
      ...(phone ? { phone } : {}),
      reason: detail ? `${status}: ${detail}` : status,
    },
  };
}
