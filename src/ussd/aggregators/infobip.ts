// Infobip's legacy "USSD Gateway to third-party application" API: per-session URLs under our base,
// `/{sessionId}/start` (JSON `msisdn, text, shortCode?, imsi?, language?, ussdGwId?`), `/{sessionId}/response`
// (`text`) and `/{sessionId}/end` (`exitCode, reason`). Infobip sends response and end with PUT (S16) or
// POST (vumi's tests): the route must accept both (routes.ts mounts PUT beside POST for POST adapters).
// Reply `{ussdMenu, shouldClose, responseExitCode: 200, responseMessage: ""}`; to end `{responseExitCode,
// responseMessage}`. `GET /{sessionId}/status` asks whether the session is open: `{sessionActive,
// responseExitCode: 200, responseMessage: ""}`. Infobip's spec (quoted by vumi) says the first message of a
// session is always sent as a menu (`firstReplyIsMenu`). Errors: vumi answers `{responseExitCode: 400,
// responseMessage}` (the library's shape; the quoted spec shows none): we send that shape with the HTTP status
// as the exit code and as the status line.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { type DialOptions, dialledParts, dialParts, formatDialCode, splitDialString } from "./dial.js";
import { inputField, jsonResponse, optionalTextField, textField } from "./wire.js";

const params = z.object({
  sessionId: textField("sessionId"),
  // The status route (`/:sessionId/status`) names its action in the path, not in a parameter.
  action: z.string().default("status"),
});

const start = z.object({
  msisdn: textField("msisdn", 32),
  text: inputField("text"),
  // Documented as mandatory but sometimes absent (vumi).
  shortCode: optionalTextField("shortCode", 64),
});

const response = z.object({
  // Unlike start, text is required here: a response without it carries no input at all.
  text: z.preprocess(
    (value) => (typeof value === "number" ? String(value) : value),
    z.string().max(1000, "text is too long"),
  ),
  msisdn: optionalTextField("msisdn", 32),
});

const end = z.object({
  exitCode: z.union([z.number(), z.string().max(16)], { error: "exitCode must be a number" }).optional(),
  reason: z.string().max(500, "reason is too long").optional(),
  msisdn: optionalTextField("msisdn", 32),
});

export function createInfobip(options: DialOptions = {}): UssdAggregator {
  return {
    method: "POST",
    paths: ["/:sessionId/:action"],
    body: "json",

    parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
      const path = params.safeParse(request.params ?? {});
      if (!path.success) return { ok: false, reason: firstIssue(path.error) };
      const sessionId = `infobip:${path.data.sessionId}`;
      const body = request.body ?? {};

      switch (path.data.action) {
        case "start": {
          const parsed = start.safeParse(body);
          if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
          const phone = toPhone(parsed.data.msisdn);
          if (!phone) return { ok: false, reason: "msisdn is not a valid phone number" };
          const { shortCode, text } = parsed.data;
          // `text` on start is taken as the dial string (unconfirmed [U]): text that does not start with the
          // code (vumi's tests send free text) dials nothing. shortCode tells where the code ends.
          const dial = shortCode
            ? {
                serviceCode: formatDialCode(dialParts(shortCode)) || shortCode,
                dialled: dialledParts(text, shortCode),
              }
            : splitDialString(text, options.serviceCodes);
          return {
            ok: true,
            event: {
              kind: "input",
              request: {
                sessionId,
                phone,
                serviceCode: dial.serviceCode,
                input: { kind: "latest", text: "", isNew: true, dialled: dial.dialled },
              },
            },
          };
        }
        case "response": {
          const parsed = response.safeParse(body);
          if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
          const { msisdn, text } = parsed.data;
          const phone = msisdn === undefined ? "" : toPhone(msisdn);
          if (phone === null) return { ok: false, reason: "msisdn is not a valid phone number" };
          // The msisdn comes only on start: "" here means the session layer fills it from the stored session.
          return {
            ok: true,
            event: {
              kind: "input",
              request: { sessionId, phone, serviceCode: "", input: { kind: "latest", text, isNew: false } },
            },
          };
        }
        case "end": {
          const parsed = end.safeParse(body);
          if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
          const { exitCode, reason, msisdn } = parsed.data;
          // An end is always acknowledged: a phone that does not parse is left out rather than refused.
          const phone = msisdn === undefined ? undefined : toPhone(msisdn);
          const why = [reason?.trim() || "end", exitCode === undefined ? "" : `(exitCode ${exitCode})`];
          return {
            ok: true,
            event: { kind: "ended", sessionId, ...(phone ? { phone } : {}), reason: why.join(" ").trim() },
          };
        }
        case "status":
          return { ok: true, event: { kind: "status", sessionId } };
        default:
          return {
            ok: false,
            reason: `action ${path.data.action} is not supported (start, response, end or status)`,
          };
      }
    },

    render(reply: UssdReply) {
      return jsonResponse({
        ussdMenu: reply.text,
        shouldClose: reply.end,
        responseExitCode: 200,
        responseMessage: "",
      });
    },

    acknowledgeEnd() {
      return jsonResponse({ responseExitCode: 200, responseMessage: "" });
    },

    firstReplyIsMenu: true,
    statusPath: "/:sessionId/status",

    renderStatus(active: boolean) {
      return jsonResponse({ sessionActive: active, responseExitCode: 200, responseMessage: "" });
    },

    renderRefusal(status: number, reason: string) {
      return { ...jsonResponse({ responseExitCode: status, responseMessage: reason }), status };
    },
  };
}

/** Infobip adapter; without shortCode on start, first-hop dialled inputs need configured service codes. */
export const infobip: UssdAggregator = createInfobip();
