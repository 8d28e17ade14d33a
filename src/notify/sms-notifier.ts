// The notifier port by SMS: purchase notices become texts (messages.ts) queued on the outbox, and what the
// outbox and the gateway's delivery reports learn about a purchase's outcome SMS goes back to the port.

import { en } from "../../machines/copy/en.js";
import type {
  NoticeTiming,
  OutcomeListener,
  PurchaseNotifier,
  PurchaseSummary,
} from "../purchases/notifier.js";
import type { SmsDeliveryLog } from "./delivery.js";
import {
  airtimeReceipt,
  purchaseFailedMessage,
  purchaseUnresolvedMessage,
  tokenMessages,
} from "./messages.js";
import type { SmsOutbox } from "./outbox.js";

export class SmsNotifier implements PurchaseNotifier {
  constructor(
    private readonly outbox: SmsOutbox,
    /** Absent: delivery reports are not followed (nothing is ever `undelivered`). */
    private readonly deliveries?: SmsDeliveryLog,
  ) {}

  tokens(to: string, purchase: PurchaseSummary, when: NoticeTiming = {}): Promise<void> {
    const { reference } = purchase;
    return this.outbox.send(to, tokenMessages(purchase), `tokens ${reference}`, {
      purchase: reference,
      ...when,
    });
  }

  receipt(to: string, purchase: PurchaseSummary, when: NoticeTiming = {}): Promise<void> {
    const { reference } = purchase;
    return this.outbox.send(to, [airtimeReceipt(purchase)], `receipt ${reference}`, {
      purchase: reference,
      ...when,
    });
  }

  failure(to: string, purchase: PurchaseSummary, reason?: string): Promise<void> {
    const { reference } = purchase;
    const text = purchaseFailedMessage(purchase, reason ?? en.notify.declined);
    return this.outbox.send(to, [text], `failed ${reference}`, { purchase: reference });
  }

  notConfirmedYet(to: string, purchase: PurchaseSummary): Promise<void> {
    return this.outbox.send(to, [purchaseUnresolvedMessage(purchase)], `unresolved ${purchase.reference}`);
  }

  resendTokens(to: string, purchase: PurchaseSummary): Promise<void> {
    return this.outbox.send(to, tokenMessages(purchase), `resend ${purchase.reference}`);
  }

  onOutcome(listener: OutcomeListener): void {
    this.outbox.onPurchaseSms({
      told: (reference) => listener.told(reference),
      notReached: (reference) => listener.givenUp(reference, "SMS given up"),
    });
    this.deliveries?.onPurchaseSmsUndelivered((reference, status) =>
      listener.undelivered(reference, `delivery report ${status}`),
    );
  }
}
