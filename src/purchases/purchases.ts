// Money lives here and only here: quote → record → buy at most once → resolve ambiguity → notify.
// SPEC section 6: the ledger is written before the buy, the QUOTED → CONFIRMING claim makes a second buy
// impossible, and an ambiguous buy is only ever resolved by asking the vendor (retry), never by buying again.
import { randomInt } from "node:crypto";
import { en } from "../../machines/copy/en.js";
import type { ConfirmOutcome, QuotedPurchase } from "../../machines/purchase/rules.js";
import type { JobQueue } from "../jobs/queue.js";
import { type Logger, maskPhone } from "../log.js";
import { type PurchaseRequest, type Sale, type VendingClient, VendorError } from "../vending/vendor.js";
import type { PurchaseLedger, PurchaseRecord } from "./ledger.js";
import type { NoticeTiming, PurchaseNotifier, PurchaseSummary } from "./notifier.js";
import { parseTokens } from "./tokens.js";

export interface PurchaseSettings {
  /** How long a USSD reply waits for the buy before saying the token will come by SMS. */
  confirmWaitMs: number;
  resolveAttempts: number;
  resolveBackoffMs: number;
  resolveMaxBackoffMs: number;
  /**
   * A purchase still CONFIRMING this long after its buy was sent has lost its process (the buy's own
   * timeout is shorter): recovery treats it as ambiguous and resolves it with retry.
   */
  staleConfirmingMs: number;
}

export interface PurchaseOrder {
  channel: "USSD" | "SMS";
  sessionId?: string;
  phone: string;
  recipient: string;
  product: { type: string; name: string; subscriberLabel: string };
  providerCode: string;
  subscriberId: string;
  amount: string;
  sourceChannel: string;
}

const RESOLVE_JOB = "resolve-purchase";

export class PurchaseService {
  /** Buys and notifications this process has started and not finished (waited for on shutdown). */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly vendor: VendingClient,
    private readonly ledger: PurchaseLedger,
    private readonly jobs: JobQueue,
    private readonly notifier: PurchaseNotifier,
    private readonly settings: PurchaseSettings,
    private readonly logger: Logger,
  ) {
    jobs.register<{ reference: string }>(RESOLVE_JOB, (job) => this.resolve(job.data.reference), {
      attempts: settings.resolveAttempts,
      backoffMs: settings.resolveBackoffMs,
      maxBackoffMs: settings.resolveMaxBackoffMs,
      onGiveUp: (data) => this.giveUp(data.reference),
    });
    // The customer is told when the gateway has accepted the whole message, not when it was queued: a
    // queue lost with Redis leaves the purchase untold in the ledger, and the recovery sweep sends again.
    notifier.onOutcome({
      told: (reference) => this.markNotified(reference),
      // Given up: flagged, so the sweep stops sending it and the operator reaches the customer.
      givenUp: (reference, why) => this.customerNotReached(reference, why, { needsOperator: true }),
      // Told, so the sweep leaves it alone; flagged for the operator, the tokens stay available.
      undelivered: (reference, why) => this.customerNotReached(reference, why),
    });
  }

  /** Asks the vendor for a quote and records it (status QUOTED). Throws VendorError when refused. */
  async quote(order: PurchaseOrder): Promise<QuotedPurchase> {
    const reference = newReference();
    const quote = await this.vendor.quote(vendorRequest({ ...order, reference }));
    await this.ledger.create({
      reference,
      channel: order.channel,
      ...(order.sessionId ? { sessionId: order.sessionId } : {}),
      phone: order.phone,
      recipient: order.recipient,
      productType: order.product.type,
      productName: order.product.name,
      subscriberLabel: order.product.subscriberLabel,
      providerCode: order.providerCode,
      subscriberId: order.subscriberId,
      amount: quote.amount,
      charge: quote.charge,
      total: quote.total,
      currency: quote.currency,
      ...(quote.customerName ? { customerName: quote.customerName } : {}),
      ...(quote.vendorQuoteReference ? { vendorQuoteReference: quote.vendorQuoteReference } : {}),
      ...(quote.vendorTransactionId ? { vendorTransactionId: quote.vendorTransactionId } : {}),
      sourceChannel: order.sourceChannel,
    });
    return {
      reference,
      ...(quote.customerName ? { customerName: quote.customerName } : {}),
      amount: quote.amount,
      charge: quote.charge,
      total: quote.total,
      currency: quote.currency,
    };
  }

  /**
   * Buys a quoted purchase, at most once ever. Waits up to `confirmWaitMs` for the outcome; past that the
   * purchase finishes in the background and the customer hears by SMS. Throws only when nothing was sent.
   */
  async confirm(reference: string, sessionId?: string): Promise<ConfirmOutcome> {
    // One atomic step: claim this purchase unless it, or another of the same session, was claimed before.
    const claimed = await this.ledger.claim(reference, sessionId);
    if (!claimed) {
      // A duplicate or replayed confirm, or a rebuilt session that bought already: answer with where that
      // purchase stands. Never a second buy.
      const earlier = sessionId
        ? (await this.ledger.forSession(sessionId)).find(
            (r) => r.reference !== reference && r.status !== "QUOTED",
          )
        : undefined;
      const current = earlier ?? (await this.ledger.get(reference));
      if (!current) throw new Error(`unknown purchase ${reference}`);
      return outcomeOf(current);
    }

    // From here a buy may have been sent: whatever fails (ledger, queue), the customer is told it is being
    // confirmed, never "failed" or "unavailable"; the purchase stays CONFIRMING for the recovery sweep.
    const settled = this.track(this.buy(claimed)).catch((error: unknown): PurchaseRecord => {
      this.logger.error({ reference, err: errorText(error) }, "buy not settled: left to recovery");
      return claimed;
    });
    const early = await withinMs(settled, this.settings.confirmWaitMs);
    if (early && early.status !== "UNKNOWN" && early.status !== "CONFIRMING") {
      // The handset shows a failure: that is the customer told (a success was told by its SMS).
      // Not recorded (ledger down): the recovery sweep then tells them by SMS as well.
      if (early.status === "FAILED") await this.markNotified(early.reference).catch(() => undefined);
      return outcomeOf(early);
    }
    if (!early) {
      // The handset has been told "by SMS": a definite failure arriving later must reach the customer too.
      void settled
        .then((final) => (final.status === "FAILED" ? this.notifyFailure(final) : undefined))
        .catch((error: unknown) => {
          this.logger.error({ reference, err: errorText(error) }, "failure not told yet: left to recovery");
        });
    }
    return { status: "PENDING", reference };
  }

  /**
   * Waits (at most `timeoutMs`) for this process's buys in flight to be recorded, for a graceful shutdown.
   * Whatever is still in flight after that is found by another instance's recovery sweep.
   */
  async drain(timeoutMs: number): Promise<void> {
    if (this.inFlight.size === 0) return;
    this.logger.info({ pending: this.inFlight.size }, "waiting for purchase work in flight");
    await withinMs(Promise.allSettled([...this.inFlight]), timeoutMs);
  }

  /** Re-sends the tokens of the last purchase bought by or for this phone; false when there is none. */
  async resendLastTokens(phone: string): Promise<{ found: true; reference: string } | { found: false }> {
    const record = await this.ledger.lastWithTokensFor(phone);
    if (!record) return { found: false };
    await this.notifier.resendTokens(phone, summaryOf(record));
    return { found: true, reference: record.reference };
  }

  /**
   * The operator's "check with the vendor again" on a purchase whose outcome is unknown: the resolver's own
   * step (retry/status, never a buy), run now. Returns the purchase as it stands after, `stillUnknown` when
   * the vendor could not tell yet. A purchase still CONFIRMING is left alone: its buy may be in flight.
   */
  async checkAgain(reference: string): Promise<{ record: PurchaseRecord | null; stillUnknown: boolean }> {
    const before = await this.ledger.get(reference);
    if (before?.status !== "UNKNOWN") return { record: before, stillUnknown: false };
    try {
      await this.resolve(reference);
    } catch (error) {
      if (!(error instanceof VendorError)) throw error;
      return { record: await this.ledger.get(reference), stillUnknown: true };
    }
    const after = await this.ledger.get(reference);
    // Resolved: nothing left for an operator, whoever had flagged it.
    if (after?.needsOperator)
      return { record: await this.ledger.update(reference, { needsOperator: false }), stillUnknown: false };
    return { record: after, stillUnknown: false };
  }

  /** The operator's "re-send the tokens" of one successful purchase; false when it has none. */
  async resendTokensOf(reference: string): Promise<boolean> {
    const record = await this.ledger.get(reference);
    if (record?.status !== "SUCCESSFUL" || !record.token) return false;
    await this.notifier.resendTokens(record.recipient, summaryOf(record));
    await this.markNotified(reference);
    return true;
  }

  /**
   * The customer did not get the outcome notice (given up, or a delivery report said so): recorded for the
   * operator. Their tokens stay available through "My last tokens" and `LAST`.
   */
  private async customerNotReached(
    reference: string,
    why: string,
    also: { needsOperator?: true } = {},
  ): Promise<void> {
    this.logger.error({ reference, why }, "customer not reached by SMS: operator should contact them");
    await this.ledger.update(reference, { customerNotReached: true, ...also });
  }

  /** Status of a purchase, for the operator and for `STATUS` requests. */
  get(reference: string): Promise<PurchaseRecord | null> {
    return this.ledger.get(reference);
  }

  /** The one place a buy is sent. Never throws: every path ends in a recorded status. */
  private async buy(record: PurchaseRecord): Promise<PurchaseRecord> {
    const { reference } = record;
    let sale: Sale;
    try {
      this.logger.info({ reference, product: record.productType }, "sending buy");
      sale = await this.vendor.buy(vendorRequest(record));
    } catch (error) {
      if (error instanceof VendorError && error.kind === "rejected") {
        this.logger.info({ reference, reason: error.customerMessage }, "buy refused by vendor");
        const failed = await this.ledger.transition(reference, ["CONFIRMING", "UNKNOWN"], "FAILED", {
          failureReason: error.customerMessage,
        });
        return failed ?? record;
      }
      // Timeout, 5xx, reset or anything unexpected: the vendor may have sold. Only retry can tell.
      this.logger.warn({ reference, err: errorText(error) }, "buy outcome unknown, resolving with retry");
      return this.markUnknown(record);
    }
    try {
      // UNKNOWN too: recovery may have given this buy up for lost while it was still in flight.
      const done = await this.ledger.transition(
        reference,
        ["CONFIRMING", "UNKNOWN"],
        "SUCCESSFUL",
        saleFields(sale),
      );
      // The handset need not wait for the SMS; a crash before it is sent is caught by recovery.
      if (done) this.track(this.deliver(done, { justSold: true }));
      return done ?? record;
    } catch (error) {
      // Sold, but the record could not be written: retry returns the same token, so resolve later.
      this.logger.error({ reference, err: errorText(error) }, "could not record a completed sale");
      return this.markUnknown(record);
    }
  }

  private async markUnknown(record: PurchaseRecord): Promise<PurchaseRecord> {
    const unknown = await this.ledger
      .transition(record.reference, ["CONFIRMING"], "UNKNOWN")
      .catch(() => null);
    // If this enqueue fails too (store down), the recovery sweep finds the purchase and resolves it.
    await this.scheduleResolve(record.reference).catch((error: unknown) => {
      this.logger.error(
        { reference: record.reference, err: errorText(error) },
        "could not schedule resolution",
      );
    });
    return unknown ?? { ...record, status: "UNKNOWN" };
  }

  private scheduleResolve(reference: string): Promise<void> {
    // One resolver per purchase, however many instances notice it.
    return this.jobs.enqueue(
      RESOLVE_JOB,
      { reference },
      { delayMs: this.settings.resolveBackoffMs, jobId: `resolve-${reference}` },
    );
  }

  /**
   * Finds purchases whose outcome nobody is resolving (their process died mid-buy, or scheduling failed)
   * and hands them to the resolver. Never sends a buy. Safe to run on every instance, any number of times.
   */
  async recoverUnresolved(now: number = Date.now()): Promise<number> {
    let recovered = 0;
    for (const record of await this.ledger.unresolved()) {
      if (record.needsOperator) continue;
      const idleMs = now - Date.parse(record.updatedAt);
      if (record.status === "SUCCESSFUL" || record.status === "FAILED") {
        // Finished, but whoever finished it died before telling the customer.
        if (idleMs < this.settings.staleConfirmingMs) continue;
        this.logger.warn(
          { reference: record.reference },
          "customer not told of a finished purchase: telling now",
        );
        await (record.status === "SUCCESSFUL" ? this.deliver(record) : this.notifyFailure(record));
        recovered++;
        continue;
      }
      if (record.status === "CONFIRMING") {
        if (idleMs < this.settings.staleConfirmingMs) continue;
        const claimed = await this.ledger.transition(record.reference, ["CONFIRMING"], "UNKNOWN");
        if (!claimed) continue;
        this.logger.warn({ reference: record.reference }, "buy lost with its process: resolving with retry");
      }
      await this.scheduleResolve(record.reference);
      recovered++;
    }
    return recovered;
  }

  /** One attempt to learn an ambiguous buy's outcome; throws (and is retried with backoff) while unknown. */
  private async resolve(reference: string): Promise<void> {
    const record = await this.ledger.get(reference);
    if (!record || (record.status !== "UNKNOWN" && record.status !== "CONFIRMING")) return;
    const resolution = await this.vendor.resolve(vendorRequest(record));
    if (resolution.status === "SUCCESSFUL") {
      const done = await this.ledger.transition(
        reference,
        ["UNKNOWN", "CONFIRMING"],
        "SUCCESSFUL",
        saleFields(resolution.sale),
      );
      this.logger.info({ reference }, "ambiguous buy resolved: successful");
      if (done) await this.deliver(done);
      return;
    }
    const reason = en.vendorFailure(resolution.failure);
    const failed = await this.ledger.transition(reference, ["UNKNOWN", "CONFIRMING"], "FAILED", {
      failureReason: reason,
    });
    this.logger.info({ reference, reason }, "ambiguous buy resolved: failed");
    if (failed) await this.notifyFailure(failed);
  }

  private async giveUp(reference: string): Promise<void> {
    const record = await this.ledger.update(reference, { needsOperator: true });
    this.logger.error({ reference }, "could not resolve purchase outcome: operator must check it");
    if (record) await this.notifier.notConfirmedYet(record.phone, summaryOf(record));
  }

  private async deliver(record: PurchaseRecord, when: NoticeTiming = {}): Promise<void> {
    // Tokens go to whoever stands at the meter; a receipt (airtime) to the buyer.
    if (record.token) await this.notifier.tokens(record.recipient, summaryOf(record), when);
    else await this.notifier.receipt(record.phone, summaryOf(record), when);
    this.logger.info(
      { reference: record.reference, to: maskPhone(record.recipient), tokenCount: tokenCount(record) },
      "purchase successful, SMS on its way",
    );
  }

  /** Keeps `work` in the set drained on shutdown; failures are logged (recovery finishes the job). */
  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight.add(work);
    void work.then(
      () => this.inFlight.delete(work),
      (error: unknown) => {
        this.inFlight.delete(work);
        this.logger.error({ err: errorText(error) }, "background purchase work failed; recovery will retry");
      },
    );
    return work;
  }

  /**
   * Records that the customer has been told (the handset showed it, or the gateway accepted the SMS).
   * Best effort: if this write is lost, recovery tells the customer again rather than never.
   */
  private async markNotified(reference: string): Promise<void> {
    await this.ledger.update(reference, { notified: true }).catch((error: unknown) => {
      this.logger.warn({ reference, err: errorText(error) }, "could not record that the customer was told");
    });
  }

  private async notifyFailure(record: PurchaseRecord): Promise<void> {
    await this.notifier.failure(record.phone, summaryOf(record), record.failureReason);
  }
}

function vendorRequest(p: {
  product?: { type: string };
  productType?: string;
  providerCode: string;
  subscriberId: string;
  amount: string;
  recipient: string;
  reference: string;
  sourceChannel: string;
  vendorQuoteReference?: string;
}): PurchaseRequest {
  return {
    productType: p.productType ?? p.product?.type ?? "",
    providerCode: p.providerCode,
    subscriberId: p.subscriberId,
    amount: p.amount,
    beneficiaryPhone: p.recipient,
    externalReference: p.reference,
    sourceChannel: p.sourceChannel,
    ...(p.vendorQuoteReference ? { vendorQuoteReference: p.vendorQuoteReference } : {}),
  };
}

function saleFields(sale: Sale) {
  return {
    ...(sale.vendorTransactionId ? { vendorTransactionId: sale.vendorTransactionId } : {}),
    ...(sale.vendorReference ? { vendorReference: sale.vendorReference } : {}),
    ...(sale.providerReference ? { providerReference: sale.providerReference } : {}),
    ...(sale.token ? { token: sale.token } : {}),
    ...(sale.units ? { units: sale.units } : {}),
  };
}

function summaryOf(record: PurchaseRecord): PurchaseSummary {
  return {
    reference: record.reference,
    productName: record.productName,
    subscriberLabel: record.subscriberLabel,
    subscriberId: record.subscriberId,
    amount: record.amount,
    currency: record.currency,
    ...(record.units ? { units: record.units } : {}),
    ...(record.token ? { token: record.token } : {}),
  };
}

function tokenCount(record: PurchaseRecord): number {
  return record.token ? parseTokens(record.token).length : 0;
}

function outcomeOf(record: PurchaseRecord): ConfirmOutcome {
  const { reference } = record;
  if (record.status === "SUCCESSFUL") {
    const tokens = record.token ? parseTokens(record.token) : [];
    return {
      status: "SUCCESSFUL",
      reference,
      tokenCount: tokens.length,
      tokens,
      ...(record.units ? { units: record.units } : {}),
    };
  }
  if (record.status === "FAILED") {
    return { status: "FAILED", reference, reason: record.failureReason ?? en.notify.failedWithoutReason };
  }
  return { status: "PENDING", reference };
}

/** Our external_reference: 10 characters, no look-alikes (0/O, 1/I/L), easy to read out over the phone. */
export function newReference(): string {
  const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
  let reference = "";
  for (let i = 0; i < 10; i++) reference += alphabet[randomInt(alphabet.length)];
  return reference;
}

/** The promise's value if it settles within `ms`, else null (the timer never outlives the race). */
function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
