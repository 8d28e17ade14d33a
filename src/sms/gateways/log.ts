// Default SMS gateway (SMS_PROVIDER=log): the message goes to the log instead of a handset, so the whole
// product runs with no SMS account. Tokens and phone numbers are masked there like everywhere else (SPEC 6.5).

import { randomUUID } from "node:crypto";
import { type Logger, maskPhone } from "../../log.js";
import { smsParts } from "../../text/gsm7.js";
import type { SmsMessage, SmsReceipt, SmsSender } from "../sender.js";
import { maskTokens } from "../tokens.js";

export class LogSmsSender implements SmsSender {
  readonly name = "log";

  constructor(private readonly logger: Logger) {}

  async send(message: SmsMessage): Promise<SmsReceipt> {
    const messageId = `log-${randomUUID()}`;
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
