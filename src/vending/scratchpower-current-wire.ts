// ScratchPower Current API bodies as ../shared/vendor-docs/scratchpower-current-api-topup.txt prints them.
// Business errors arrive as HTTP 200 bodies `{response_code, response_message, timestamp, developer_message,
// errors}`; success bodies carry no `response_code` at all. So a body with a `response_code` (string or
// number; the codes are opaque: logged, never interpreted) is an error whatever the HTTP status, and only a
// body without one, of the documented shape, is a success.

import { z } from "zod";
import { moneyIn } from "./scratchpower-wire.js";

/** Whether an answer is the documented error body. */
export function hasResponseCode(body: unknown): boolean {
  if (typeof body !== "object" || body === null) return false;
  const code = (body as { response_code?: unknown }).response_code;
  return typeof code === "string" || typeof code === "number";
}

/** The validate success: the quote in money strings of our currency and `meter_details`, the verified name. */
export function validateSuccessSchema(currency: string) {
  const money = moneyIn(currency);
  return z.object({
    status: z.string().nullish(),
    meter_number: z.string().nullish(),
    meter_details: z.string().nullish(),
    total: money,
    charge: money,
    net: money.nullish(),
    entry: money.nullish(),
  });
}

/** `date` as the document's example prints it, "2024-06-18 04:10:59", in the given IANA time zone. */
export function wireDate(at: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}
