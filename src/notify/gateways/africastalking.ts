// Africa's Talking bulk SMS: POST form fields to /version1/messaging, answer is HTTP 201 with a
// per-recipient status. Every failure becomes an SmsSendError whose `retryable` tells the delivery queue
// whether sending the same message again could ever succeed.

import { z } from "zod";
import { maskPhone } from "../../log.js";
import { maskTokens } from "../../purchases/tokens.js";
import { type SmsMessage, type SmsReceipt, SmsSendError, type SmsSender } from "../sender.js";

export const AFRICASTALKING_LIVE_SMS_URL = "https://api.africastalking.com/version1/messaging";
export const AFRICASTALKING_SANDBOX_SMS_URL = "https://api.sandbox.africastalking.com/version1/messaging";

export interface AfricasTalkingSmsOptions {
  username: string;
  apiKey: string;
  /** Registered short code or alphanumeric sender; Africa's Talking's shared sender when unset. */
  senderId?: string;
  /** Full messaging URL (config AFRICASTALKING_SMS_URL); defaults to live, or sandbox for username `sandbox`. */
  url?: string;
  timeoutMs?: number;
  /** The clock that places a do-not-disturb refusal in its window (tests pass their own). */
  now?: () => Date;
}

/** Where messages go when no URL is configured: the sandbox username only works against the sandbox. */
export function defaultSmsUrl(username: string): string {
  return username === "sandbox" ? AFRICASTALKING_SANDBOX_SMS_URL : AFRICASTALKING_LIVE_SMS_URL;
}

const recipientSchema = z.object({
  statusCode: z.coerce.number(),
  status: z.string().optional(),
  messageId: z.string().optional(),
});

const responseSchema = z.object({
  SMSMessageData: z.object({
    Message: z.string().optional(),
    Recipients: z.array(recipientSchema).optional(),
  }),
});

/** 100 Processed, 101 Sent, 102 Queued: accepted; the delivery report tells the final outcome. */
const isAccepted = (statusCode: number): boolean => statusCode >= 100 && statusCode <= 102;

/**
 * Failures that belong to the recipient, so no retry can help: 403 InvalidPhoneNumber,
 * 404 UnsupportedNumberType, 406 UserInBlacklist. Everything else (insufficient balance, sender id,
 * routing, gateway errors) is about our account or the network. 409 DoNotDisturbRejection is time-bound:
 * see doNotDisturbEnds.
 */
const RECIPIENT_FAULTS = new Set([403, 404, 406]);
const RECIPIENT_FAULT_TEXT = /invalid ?phone|unsupported ?number|blacklist/i;
const DO_NOT_DISTURB = 409;

/**
 * Africa's Talking refuses promotional sender ids in Nigeria from 20:00 to 08:00 West Africa Time (UTC+1,
 * no daylight saving) with HTTP 409 DoNotDisturbRejection (shared/reference/aggregators.md §9.1). Inside
 * that window: when it ends (08:00 WAT, 07:00 UTC). Outside it (a refusal we cannot place): undefined,
 * and the message is retried with the usual backoff.
 */
export function doNotDisturbEnds(now: Date): Date | undefined {
  const hour = now.getUTCHours();
  if (hour >= 7 && hour < 19) return undefined;
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 7, 0, 0));
  if (hour >= 19) end.setUTCDate(end.getUTCDate() + 1);
  return end;
}

/** HTTP answers worth trying again: credentials/account (fixable by the operator), throttling, server errors. */
const isRetryableHttpStatus = (status: number): boolean =>
  status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;

export class AfricasTalkingSmsSender implements SmsSender {
  readonly name = "africastalking";
  private readonly url: string;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(private readonly options: AfricasTalkingSmsOptions) {
    this.url = options.url ?? defaultSmsUrl(options.username);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
  }

  /** The message may be sent once the do-not-disturb window is over: retried then, not dropped. */
  private doNotDisturb(to: string): SmsSendError {
    const ends = doNotDisturbEnds(this.now());
    return new SmsSendError(
      `Africa's Talking SMS to ${to}: DoNotDisturbRejection (409)${ends ? `, retry after ${ends.toISOString()}` : ""}`,
      true,
      ends,
    );
  }

  async send(message: SmsMessage): Promise<SmsReceipt> {
    const to = maskPhone(message.to);
    const form = new URLSearchParams({
      username: this.options.username,
      to: `+${message.to.replace(/^\+/, "")}`,
      message: message.text,
    });
    if (this.options.senderId) form.set("from", this.options.senderId);

    let response: Response;
    let body: string;
    try {
      response = await fetch(this.url, {
        method: "POST",
        headers: {
          apiKey: this.options.apiKey,
          Accept: "application/json",
          "Content-Type": "application/x-www-form-urlencoded",
        },
        body: form,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      body = await response.text();
    } catch (error) {
      const why =
        error instanceof Error && error.name === "TimeoutError"
          ? `timed out after ${this.timeoutMs} ms`
          : "network error";
      throw new SmsSendError(`Africa's Talking SMS to ${to}: ${why}`, true);
    }

    if (response.status === DO_NOT_DISTURB) throw this.doNotDisturb(to);
    if (response.status !== 201) {
      throw new SmsSendError(
        `Africa's Talking SMS to ${to}: HTTP ${response.status} ${snippet(body)}`.trim(),
        isRetryableHttpStatus(response.status),
      );
    }

    const parsed = responseSchema.safeParse(safeJson(body));
    if (!parsed.success) {
      // It may have been sent; a duplicate token SMS is harmless, a lost one is not: retry.
      throw new SmsSendError(`Africa's Talking SMS to ${to}: unreadable reply ${snippet(body)}`.trim(), true);
    }
    const { Message: summary = "", Recipients: recipients = [] } = parsed.data.SMSMessageData;
    const [recipient] = recipients;
    if (!recipient) {
      // Whole-request failure answered with 201, e.g. Message "InvalidSenderId".
      throw new SmsSendError(
        `Africa's Talking SMS to ${to}: ${summary || "no recipient in reply"}`,
        !RECIPIENT_FAULT_TEXT.test(summary),
      );
    }
    if (recipient.statusCode === DO_NOT_DISTURB) throw this.doNotDisturb(to);
    if (!isAccepted(recipient.statusCode)) {
      throw new SmsSendError(
        `Africa's Talking SMS to ${to}: ${recipient.status ?? "failed"} (${recipient.statusCode})`,
        !RECIPIENT_FAULTS.has(recipient.statusCode),
      );
    }
    return recipient.messageId ? { messageId: recipient.messageId } : {};
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A short, token-free excerpt of a reply for the error message (errors end up in logs). */
function snippet(body: string): string {
  return maskTokens(body.replace(/\s+/g, " ").trim()).slice(0, 200);
}
