// Default SMS gateway (SMS_PROVIDER=log): the message goes to the log instead of a handset, so the whole
// product runs with no SMS account. Tokens and phone numbers are masked there like everywhere else (SPEC 6.5).
// The last messages are also kept whole in memory for the handset simulator's inbox (src/operator/).

import { randomUUID } from "node:crypto";
import { type Logger, maskPhone } from "../../log.js";
import { maskTokens } from "../../purchases/tokens.js";
import { smsParts } from "../../text/gsm7.js";
import type { SmsMessage, SmsReceipt, SmsSender } from "../sender.js";

/** A message this gateway "sent", whole (tokens included): only the handset simulator shows these. */
export interface LoggedSms {
  messageId: string;
  to: string;
  text: string;
  at: string;
}

/** How many messages the simulator's inbox remembers, across all phones (oldest dropped first). */
const INBOX_SIZE = 500;

export class LogSmsSender implements SmsSender {
  readonly name = "log";
  private readonly recent: LoggedSms[] = [];

  constructor(private readonly logger: Logger) {}

  /** The last messages "sent" to `to` (E.164 digits), oldest first; in memory only, never logged. */
  inbox(to: string): LoggedSms[] {
    return this.recent.filter((sms) => sms.to === to);
  }

  async send(message: SmsMessage): Promise<SmsReceipt> {
    const messageId = `log-${randomUUID()}`;
    this.recent.push({ messageId, to: message.to, text: message.text, at: new Date().toISOString() });
    if (this.recent.length > INBOX_SIZE) this.recent.shift();
    // Logged as `body`, not `text`: the shared redaction hides `text` entirely, and this copy is masked.
    this.logger.info(
      {
        sms: {
          gateway: this.name,
          messageId,
          to: maskPhone(message.to),
          parts: smsParts(message.text),
          body: maskTokens(message.text),
        },
      },
      "SMS written to the log (not sent)",
    );
    return { messageId };
  }
}
