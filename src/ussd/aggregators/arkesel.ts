// Arkesel (Ghana): POST JSON `sessionID, userID, newSession, msisdn, userData, network`; on `newSession`
// userData is the dial string, later the latest input. Reply JSON `{sessionID, userID, msisdn, message,
// continueSession}` with the ids echoed. Arkesel documents no release/timeout callback.
import { z } from "zod";
import { firstIssue } from "../../http/refusal.js";
import type { CallbackRequest, ParsedUssdCallback, UssdAggregator, UssdReply } from "../types.js";
import { type DialOptions, splitDialString } from "./dial.js";
import { echoed, flagField, inputField, jsonResponse, optionalTextField, textField } from "./wire.js";

const callback = z.object({
  sessionID: textField("sessionID"),
  userID: optionalTextField("userID", 64),
  newSession: flagField(),
  msisdn: textField("msisdn", 32),
  userData: inputField("userData"),
  network: optionalTextField("network", 32),
});

function reply(request: CallbackRequest, message: string, continueSession: boolean) {
  return jsonResponse({
    sessionID: echoed(request.body, "sessionID"),
    userID: echoed(request.body, "userID"),
    msisdn: echoed(request.body, "msisdn"),
    message,
    continueSession,
  });
}

export function createArkesel(options: DialOptions = {}): UssdAggregator {
  return {
    method: "POST",
    paths: [""],
    body: "json",

    parse(request: CallbackRequest, toPhone): ParsedUssdCallback {
      const parsed = callback.safeParse(request.body ?? {});
      if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
      const { sessionID, newSession, msisdn, userData, network } = parsed.data;
      const phone = toPhone(msisdn);
      if (!phone) return { ok: false, reason: "msisdn is not a valid phone number" };
      const first = newSession ? splitDialString(userData, options.serviceCodes) : undefined;
      return {
        ok: true,
        event: {
          kind: "input",
          request: {
            sessionId: `arkesel:${sessionID}`,
            phone,
            serviceCode: first?.serviceCode ?? "",
            ...(network ? { network } : {}),
            input: first
              ? { kind: "latest", text: "", isNew: true, dialled: first.dialled }
              : { kind: "latest", text: userData, isNew: false },
          },
        },
      };
    },

    render(screen: UssdReply, request: CallbackRequest) {
      return reply(request, screen.text, !screen.end);
    },

    acknowledgeEnd(request: CallbackRequest) {
      // Not called in practice (no end callback is documented); answers like a closing screen.
      return reply(request, "", false);
    },
  };
}

/** Arkesel adapter without configured service codes: first-hop dialled inputs are not split off. */
export const arkesel: UssdAggregator = createArkesel();
