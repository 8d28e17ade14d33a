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
}

const JOB = "sms";

/** Sends SMS in the background, in order, retrying with backoff until accepted or given up. */
export class SmsOutbox {
  private readonly listeners: PurchaseSmsListener[] = [];

  constructor(
    private readonly jobs: JobQueue,
    private readonly sender: SmsSender,
    private readonly logger: Logger,
    options: OutboxOptions,
    private readonly deliveryLog?: SmsDeliveryLog,
  ) {
    jobs.register<SmsBatch>(JOB, (job) => this.deliver(job.data, job.update), {
      ...options,
      onGiveUp: async (batch, error) => {
        this.logger.error(
          {
            to: maskPhone(batch.to),
            purpose: batch.purpose,
            sent: batch.sent,
            of: batch.texts.length,
            err: String(error),
          },
          "SMS not delivered: gave up",
        );
        if (batch.purchase) for (const listener of this.listeners) await listener.notReached(batch.purchase);
      },
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
    options: { purchase?: string } = {},
  ): Promise<void> {
    if (texts.length === 0) return;
    const { purchase } = options;
    await this.jobs.enqueue<SmsBatch>(
      JOB,
      { to, texts, purpose, sent: 0, ...(purchase ? { purchase } : {}) },
      purchase ? { jobId: `purchase-${purchase}` } : {},
    );
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
