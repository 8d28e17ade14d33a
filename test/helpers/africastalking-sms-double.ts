// A local stand-in for Africa's Talking's POST /version1/messaging, served over real HTTP on loopback.
// It records every request, answers like the real API (201 + SMSMessageData), and can be told to fail
// the next N requests before recovering.

import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { smsParts } from "../../src/text/gsm7.js";

export interface RecordedSmsRequest {
  headers: IncomingHttpHeaders;
  form: Record<string, string>;
  /** The id the double answered with, when it accepted the message. */
  messageId?: string;
}

export type SmsFailure =
  /** HTTP error answer, e.g. 500 or 503. */
  | { kind: "http"; status: number }
  /** 201 whose only recipient failed, e.g. 405 InsufficientBalance. */
  | { kind: "recipient"; statusCode: number; status: string }
  /** 201 with empty Recipients and a whole-request Message, e.g. "InvalidSenderId". */
  | { kind: "request"; message: string }
  /** 201 whose body is not the documented JSON. */
  | { kind: "malformed" }
  /**
   * Nigeria's do-not-disturb refusal: HTTP 409 with the usual body, recipient statusCode 409
   * DoNotDisturbRejection, messageId None (shared/reference/aggregators.md §9.1, S37).
   */
  | { kind: "do-not-disturb" }
  /** Answers (successfully) only after `ms`: the client should have given up by then. */
  | { kind: "slow"; ms: number };

export interface AfricasTalkingSmsDouble {
  /** Full messaging URL to configure the sender with. */
  url: string;
  requests: RecordedSmsRequest[];
  /**
   * The next `count` requests fail as described; later ones succeed again. With `after`, that many
   * requests are answered normally first (to fail a message in the middle of a batch).
   */
  failNext(count: number, failure: SmsFailure, options?: { after?: number }): void;
  close(): Promise<void>;
}

/** E.164 with `+`, as Africa's Talking requires; anything else is answered 403 InvalidPhoneNumber. */
const VALID_NUMBER = /^\+[1-9]\d{7,14}$/;

export async function startAfricasTalkingSmsDouble(
  options: { apiKey?: string; currency?: string } = {},
): Promise<AfricasTalkingSmsDouble> {
  const apiKey = options.apiKey ?? "test-api-key";
  const currency = options.currency ?? "BWP";
  const requests: RecordedSmsRequest[] = [];
  const failures: (SmsFailure | undefined)[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let sent = 0;

  const app = express();
  app.use(express.urlencoded({ extended: false }));

  app.post("/version1/messaging", (req, res) => {
    const form = { ...(req.body as Record<string, string>) };
    const recorded: RecordedSmsRequest = { headers: req.headers, form };
    requests.push(recorded);

    if (req.get("apiKey") !== apiKey) {
      res.status(401).type("text/plain").send("The supplied authentication is invalid");
      return;
    }
    const failure = failures.shift();
    const number = form.to ?? "";
    const recipient = (statusCode: number, status: string, messageId = "None") => ({
      statusCode,
      number,
      status,
      cost: statusCode <= 102 ? `${currency} 0.2000` : "0",
      messageId,
    });
    const reply = (recipients: object[], message: string) =>
      res.status(201).json({ SMSMessageData: { Message: message, Recipients: recipients } });
    const succeed = () => {
      sent += 1;
      recorded.messageId = `ATXid_double_${sent}`;
      const parts = smsParts(form.message ?? "");
      reply(
        [recipient(101, "Success", `ATXid_double_${sent}`)],
        `Sent to 1/1 Total Cost: ${currency} 0.2000 Message parts: ${parts}`,
      );
    };

    if (failure?.kind === "http") res.status(failure.status).type("text/plain").send("Internal Server Error");
    else if (failure?.kind === "recipient")
      reply([recipient(failure.statusCode, failure.status)], "Sent to 0/1 Total Cost: 0");
    else if (failure?.kind === "request") reply([], failure.message);
    else if (failure?.kind === "do-not-disturb")
      res.status(409).json({
        SMSMessageData: {
          Message: "Sent to 0/1 Total Cost: 0",
          Recipients: [recipient(409, "DoNotDisturbRejection")],
        },
      });
    else if (failure?.kind === "malformed")
      res.status(201).type("text/html").send("<html>Bad gateway</html>");
    else if (failure?.kind === "slow") {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!res.headersSent) succeed();
      }, failure.ms);
      timers.add(timer);
    } else if (!VALID_NUMBER.test(number))
      reply([recipient(403, "InvalidPhoneNumber")], "Sent to 0/1 Total Cost: 0");
    else succeed();
  });

  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, "127.0.0.1", () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/version1/messaging`,
    requests,
    failNext(count, failure, options = {}) {
      for (let i = 0; i < (options.after ?? 0); i++) failures.push(undefined);
      for (let i = 0; i < count; i++) failures.push(failure);
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
