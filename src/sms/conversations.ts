// The SMS channel: one inbound text → one command → an answer by SMS. The pending quote lives in the same
// store as USSD sessions (memory or Redis), and buying goes through the same purchase pipeline and money
// rules as USSD (ledger, confirm at most once, retry on ambiguity, token SMS in vendor order).
import { en } from "../../machines/copy/en.js";
import {
  type Product,
  payCodeFor,
  validateAmount,
  validateSubscriber,
} from "../../machines/purchase/rules.js";
import { type Logger, maskPhone } from "../log.js";
import type { SmsOutbox } from "../notify/outbox.js";
import type { PurchaseService } from "../purchases/purchases.js";
import type { KeyValueStore } from "../store/store.js";
import { VendorError } from "../vending/vendor.js";
import { findProduct, parseCommand, readBuyWords, type SmsCommand } from "./commands.js";
import * as replies from "./replies.js";

export interface InboundSms {
  /** The gateway's message id: a redelivered message carries the same one. */
  id: string;
  /** Sender, E.164 digits. */
  from: string;
  text: string;
}

export interface SmsChannelSettings {
  toPhone: (raw: string) => string | null;
  currency: string;
  minAmount: string;
  maxAmount: string;
  /** Vendor channel for SMS purchases (`SMS_SOURCE_CHANNEL`). */
  sourceChannel: string;
  messagesPerMinute: number;
  quotesPerHour: number;
  /** How long a quote waits for YES (`SMS_this.settings.quoteTtlSeconds`, 10 minutes). */
  quoteTtlSeconds: number;
}

/** What waits for the customer's YES: the quote it confirms and the code that ties the answer to it. */
interface PendingQuote {
  reference: string;
  code: string;
  confirmed: boolean;
}

const SEEN_TTL_SECONDS = 7 * 24 * 3600;
/**
 * Codes given to one phone recently: a new quote's code is none of them, so a late `YES` of a replaced,
 * cancelled or expired quote can never buy the quote that came after it.
 */
const RECENT_CODES = 100;
const RECENT_CODES_TTL_SECONDS = 24 * 3600;

export class SmsConversations {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly store: KeyValueStore,
    private readonly purchases: PurchaseService,
    private readonly catalogue: () => Promise<Product[]>,
    private readonly outbox: SmsOutbox,
    private readonly settings: SmsChannelSettings,
    private readonly logger: Logger,
  ) {}

  /** Handles a message in the background (the webhook answers at once); never throws. */
  accept(sms: InboundSms): void {
    const work = this.handle(sms).catch((error: unknown) => {
      this.logger.error({ from: maskPhone(sms.from), err: errorText(error) }, "inbound SMS not handled");
    });
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** Waits for messages being handled (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  async handle(sms: InboundSms): Promise<void> {
    if (!(await this.store.setIfAbsent(`sms:inbound:${sms.id}`, true, SEEN_TTL_SECONDS))) {
      this.logger.info({ id: sms.id }, "inbound SMS redelivered: already handled");
      return;
    }
    const phone = sms.from;
    const sent = await this.store.increment(`sms:rate:messages:${phone}`, 60);
    if (sent > this.settings.messagesPerMinute) {
      // One polite answer, then silence until the window ends.
      if (sent === this.settings.messagesPerMinute + 1)
        await this.reply(phone, replies.tooManyMessagesReply());
      return;
    }
    const command = parseCommand(sms.text);
    this.logger.info({ from: maskPhone(phone), command: command.kind }, "inbound SMS");
    let answer: string | null;
    try {
      answer = await this.answer(command, phone);
    } catch (error) {
      this.logger.error({ from: maskPhone(phone), err: errorText(error) }, "SMS command failed");
      answer = replies.busyReply();
    }
    if (answer) await this.reply(phone, answer);
  }

  private answer(command: SmsCommand, phone: string): Promise<string | null> {
    switch (command.kind) {
      case "buy":
        return this.quote(command.product, command.words, phone);
      case "yes":
        return this.confirm(command.code, phone);
      case "no":
        return this.cancel(phone);
      case "last":
        return this.resendLast(phone);
      case "status":
        return this.status(command.reference, phone);
      case "help":
      case "unknown":
        return Promise.resolve(replies.helpReply());
    }
  }

  private async quote(productWord: string, words: string[], phone: string): Promise<string | null> {
    const product = findProduct(await this.catalogue(), productWord);
    // Not a product we sell: "anything not understood" gets the command list.
    if (!product) return replies.helpReply();
    const read = readBuyWords(product.providers, words);
    if (!read.ok) {
      return read.reason === "provider"
        ? replies.whichProviderReply(product.name, product.providers)
        : replies.helpReply();
    }
    const subscriberId = validateSubscriber(product, read.subscriber, this.settings.toPhone(read.subscriber));
    if (typeof subscriberId !== "string") {
      const hint = product.subscriberHint ? ` ${product.subscriberHint}.` : "";
      return replies.badInputReply(`${en.refusal(subscriberId.refusal)}${hint}`);
    }
    const amount = validateAmount(read.amount, this.settings);
    if (typeof amount !== "string") return replies.badInputReply(en.refusal(amount.refusal));
    let recipient = phone;
    if (read.recipient && product.issuesToken) {
      const other = this.settings.toPhone(read.recipient);
      if (!other) return replies.badInputReply("Invalid phone number for the token.");
      recipient = other;
    }

    const quotes = await this.store.increment(`sms:rate:quotes:${phone}`, 3600);
    if (quotes > this.settings.quotesPerHour) {
      return quotes === this.settings.quotesPerHour + 1 ? replies.tooManyQuotesReply() : null;
    }
    let quoted: Awaited<ReturnType<PurchaseService["quote"]>>;
    try {
      quoted = await this.purchases.quote({
        channel: "SMS",
        phone,
        recipient,
        product,
        providerCode: read.providerCode,
        subscriberId,
        amount,
        sourceChannel: this.settings.sourceChannel,
      });
    } catch (error) {
      if (error instanceof VendorError) return replies.quoteRefusedReply(error.customerMessage);
      throw error;
    }
    const recentCodes = (await this.store.get<string[]>(codesKey(phone))) ?? [];
    const code = payCodeFor(quoted.reference, recentCodes);
    await this.store.set(
      codesKey(phone),
      [...recentCodes, code].slice(-RECENT_CODES),
      RECENT_CODES_TTL_SECONDS,
    );
    const pending: PendingQuote = { reference: quoted.reference, code, confirmed: false };
    await this.store.set(quoteKey(phone), pending, this.settings.quoteTtlSeconds);
    const minutes = Math.max(1, Math.round(this.settings.quoteTtlSeconds / 60));
    return replies.quoteReply({ ...quoted, productName: product.name, subscriberId, code, minutes });
  }

  private async confirm(code: string, phone: string): Promise<string | null> {
    const pending = await this.store.get<PendingQuote>(quoteKey(phone));
    if (!pending) return replies.noQuoteReply();
    if (pending.code !== code) return replies.wrongCodeReply();
    if (!pending.confirmed) {
      await this.store.set(quoteKey(phone), { ...pending, confirmed: true }, this.settings.quoteTtlSeconds);
    }
    let outcome: Awaited<ReturnType<PurchaseService["confirm"]>>;
    try {
      // Confirm is at most once per purchase however often YES arrives: a repeat learns where it stands.
      outcome = await this.purchases.confirm(pending.reference);
    } catch (error) {
      this.logger.error({ reference: pending.reference, err: errorText(error) }, "SMS confirm not sent");
      return replies.notSentReply();
    }
    switch (outcome.status) {
      case "SUCCESSFUL":
        // The token SMS (or airtime receipt) is the answer; a repeated YES is told it is already paid.
        return pending.confirmed ? await this.status(pending.reference, phone) : null;
      case "FAILED":
        return replies.failedReply(outcome.reference, outcome.reason);
      case "PENDING":
        return replies.pendingReply(outcome.reference);
    }
  }

  private async cancel(phone: string): Promise<string> {
    const pending = await this.store.get<PendingQuote>(quoteKey(phone));
    if (!pending || pending.confirmed) return replies.noQuoteReply();
    await this.store.delete(quoteKey(phone));
    return replies.cancelledReply();
  }

  private async resendLast(phone: string): Promise<string | null> {
    const result = await this.purchases.resendLastTokens(phone);
    return result.found ? null : replies.noTokensReply();
  }

  private async status(reference: string, phone: string): Promise<string> {
    const record = await this.purchases.get(reference.toUpperCase());
    // Only the buyer or the token's recipient may learn about a purchase.
    if (!record || (record.phone !== phone && record.recipient !== phone)) {
      return replies.unknownReferenceReply(reference);
    }
    return replies.statusReply({
      reference: record.reference,
      productName: record.productName,
      subscriberId: record.subscriberId,
      currency: record.currency,
      amount: record.amount,
      status: record.status,
      ...(record.failureReason ? { failureReason: record.failureReason } : {}),
    });
  }

  private async reply(phone: string, text: string): Promise<void> {
    await this.outbox.send(phone, [text], "sms reply");
  }
}

function quoteKey(phone: string): string {
  return `sms:quote:${phone}`;
}

function codesKey(phone: string): string {
  return `sms:codes:${phone}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
