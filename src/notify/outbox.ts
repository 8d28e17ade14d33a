import type { JobQueue } from "../jobs/queue.js";
import { DeferJobError, PermanentJobError } from "../jobs/queue.js";
import { type Logger, maskPhone } from "../log.js";
import type { SmsDeliveryLog } from "./delivery.js";
import { type SmsReceipt, SmsSendError, type SmsSender } from "./sender.js";

/** Messages for one phone that must arrive in this order (e.g. the tokens of one purchase). */
export interface SmsBatch {
  to: string;
  texts: string[];
  /** What the batch is for, for the log (e.g. `tokens P7K2M9QX4A`); never its content. */
  purpose: string;
  /** How many texts the gateway has accepted so far: a retry never sends those again. */
  sent: number;
  /** The purchase whose outcome this batch tells (tokens, receipt, failure), if any. */
  purchase?: string;
}

/** Told when a purchase's batch is wholly accepted by the gateway, or given up on. */
export interface PurchaseSmsListener {
  told(reference: string): Promise<void>;
  notReached(reference: string): Promise<void>;
}

export interface OutboxOptions {
  attempts: number;
  backoffMs: number;
  maxBackoffMs?: number;
  /**
   * A just-sold purchase's notice is sent at once by this process, and only what it cannot finish goes to
   * the queue (off on a webhook-only instance, `WORKERS=off`, which leaves all sending to the workers).
   */
  sendAtOnce?: boolean;
}

const JOB = "sms";

/** Sends SMS in the background, in order, retrying with backoff until accepted or given up. */
export class SmsOutbox {
  private readonly listeners: PurchaseSmsListener[] = [];

  constructor(
    private readonly jobs: JobQueue,
    private readonly sender: SmsSender,
    private readonly logger: Logger,
    private readonly options: OutboxOptions,
    private readonly deliveryLog?: SmsDeliveryLog,
  ) {
    jobs.register<SmsBatch>(JOB, (job) => this.deliver(job.data, job.update), {
      attempts: options.attempts,
      backoffMs: options.backoffMs,
      ...(options.maxBackoffMs === undefined ? {} : { maxBackoffMs: options.maxBackoffMs }),
      onGiveUp: (batch, error) => this.giveUp(batch, error),
    });
  }

  /** `listener` hears of every purchase batch this process finishes or gives up on. */
  onPurchaseSms(listener: PurchaseSmsListener): void {
    this.listeners.push(listener);
  }

  /**
   * Queues `texts` for `to`. With `purchase`, one batch per purchase is pending at a time (sending it
   * again while it waits is a no-op, so a recovery sweep can repeat it safely), and the listeners hear
   * when the gateway has accepted all of it.
   */
  async send(
    to: string,
    texts: string[],
    purpose: string,
    options: { purchase?: string; justSold?: boolean } = {},
  ): Promise<void> {
    if (texts.length === 0) return;
    const { purchase } = options;
    const batch: SmsBatch = { to, texts, purpose, sent: 0, ...(purchase ? { purchase } : {}) };
    if (purchase && options.justSold && this.options.sendAtOnce) return this.sendAtOnce(batch, purchase);
    await this.jobs.enqueue<SmsBatch>(JOB, batch, purchase ? { jobId: `purchase-${purchase}` } : {});
  }

  /**
   * The first try at a just-sold purchase's notice, here and now: a queued job costs some 60 Redis commands
   * (most inside its scripts) for what is usually one accepted request to the gateway. Nobody else tells
   * this purchase yet (the recovery sweep waits until the purchase has been idle for longer than the buy's
   * timeout), and a crash before it is told leaves it untold in the ledger, which the sweep sends again.
   * What this try cannot finish goes to the queue with the parts already accepted counted, so no part is
   * sent twice and the order holds.
   */
  private async sendAtOnce(batch: SmsBatch, purchase: string): Promise<void> {
    try {
      await this.deliver(batch, async () => undefined);
    } catch (error) {
      if (error instanceof PermanentJobError) return this.giveUp(batch, error);
      const delayMs =
        error instanceof DeferJobError
          ? Math.max(0, error.until.getTime() - Date.now())
          : this.options.backoffMs;
      this.logger.warn(batchLog(batch, error), "SMS not accepted at once: queued to retry");
      await this.jobs.enqueue<SmsBatch>(JOB, batch, { jobId: `purchase-${purchase}`, delayMs });
    }
  }

  private async giveUp(batch: SmsBatch, error: unknown): Promise<void> {
    this.logger.error(batchLog(batch, error), "SMS not delivered: gave up");
    if (batch.purchase) for (const listener of this.listeners) await listener.notReached(batch.purchase);
  }

  private async deliver(batch: SmsBatch, save: (batch: SmsBatch) => Promise<void>): Promise<void> {
    for (let i = batch.sent; i < batch.texts.length; i++) {
      let receipt: SmsReceipt;
      try {
        receipt = await this.sender.send({ to: batch.to, text: batch.texts[i] as string });
        this.logger.info(
          {
            to: maskPhone(batch.to),
            purpose: batch.purpose,
            part: i + 1,
            of: batch.texts.length,
            messageId: receipt.messageId,
          },
          "SMS accepted by gateway",
        );
      } catch (error) {
        if (error instanceof SmsSendError && !error.retryable) throw new PermanentJobError(error.message);
        if (error instanceof SmsSendError && error.notBefore)
          throw new DeferJobError(error.message, error.notBefore);
        throw error;
      }
      batch.sent = i + 1;
      await save(batch);
      if (receipt.messageId) {
        // Only for matching delivery reports: losing this note must not make the part go out again.
        await this.deliveryLog
          ?.sent(receipt.messageId, {
            purpose: batch.purpose,
            part: i + 1,
            of: batch.texts.length,
            ...(batch.purchase ? { purchase: batch.purchase } : {}),
          })
          .catch((error: unknown) => this.logger.warn({ err: String(error) }, "could not note a sent SMS"));
      }
    }
    if (batch.purchase) for (const listener of this.listeners) await listener.told(batch.purchase);
  }
}

/** What the log says of a batch that failed: never its texts. */
function batchLog(batch: SmsBatch, error: unknown) {
  return {
    to: maskPhone(batch.to),
    purpose: batch.purpose,
    sent: batch.sent,
    of: batch.texts.length,
    err: String(error),
  };
}
