// What happened to each SMS after the gateway accepted it: the outbox notes what a message id was for,
// and the gateway's delivery reports are recorded against it (kept a week, in the shared store).
import { z } from "zod";
import { type Logger, maskPhone } from "../log.js";
import type { KeyValueStore } from "../store/store.js";

const KEEP_SECONDS = 7 * 24 * 3600;

export interface SentSms {
  purpose: string;
  /** The purchase whose outcome this SMS told, if any. */
  purchase?: string;
  part: number;
  of: number;
  sentAt: string;
  delivery?: { status: string; failureReason?: string; at: string };
}

/** Africa's Talking delivery report fields (form-encoded). */
export const africasTalkingDeliveryReport = z.object({
  id: z.string().trim().min(1, "id is required").max(128),
  status: z.string().trim().min(1, "status is required").max(32),
  phoneNumber: z.string().max(32).optional(),
  networkCode: z.string().max(16).optional(),
  retryCount: z.string().max(8).optional(),
  failureReason: z.string().max(64).optional(),
});

export type DeliveryReport = z.infer<typeof africasTalkingDeliveryReport>;

// Rejected and Failed are final; AbsentSubscriber (phone off, no coverage) and Expired (discarded by the
// telco) are not marked final by Africa's Talking but mean the message did not arrive.
const NOT_DELIVERED = new Set(["Failed", "Rejected", "AbsentSubscriber", "Expired"]);

export class SmsDeliveryLog {
  private readonly undelivered: ((purchase: string, status: string) => Promise<void>)[] = [];

  constructor(
    private readonly store: KeyValueStore,
    private readonly logger: Logger,
    /** Told of each report's status (metrics); synchronous, never I/O. */
    private readonly onReport?: (status: string) => void,
  ) {}

  /** `listener` hears of every purchase SMS reported not delivered. */
  onPurchaseSmsUndelivered(listener: (purchase: string, status: string) => Promise<void>): void {
    this.undelivered.push(listener);
  }

  async sent(messageId: string, sms: Omit<SentSms, "sentAt">): Promise<void> {
    await this.store.set(key(messageId), { ...sms, sentAt: new Date().toISOString() }, KEEP_SECONDS);
  }

  async report(report: DeliveryReport): Promise<void> {
    this.onReport?.(report.status);
    const sent = await this.store.get<SentSms>(key(report.id));
    const delivery = {
      status: report.status,
      ...(report.failureReason ? { failureReason: report.failureReason } : {}),
      at: new Date().toISOString(),
    };
    if (sent) await this.store.set(key(report.id), { ...sent, delivery }, KEEP_SECONDS);
    const fields = {
      messageId: report.id,
      to: maskPhone(report.phoneNumber),
      status: report.status,
      failureReason: report.failureReason,
      purpose: sent?.purpose ?? "unknown message",
    };
    if (!NOT_DELIVERED.has(report.status)) {
      this.logger.info(fields, "SMS delivery report");
      return;
    }
    this.logger.warn(fields, "SMS not delivered (delivery report)");
    if (sent?.purchase) for (const listener of this.undelivered) await listener(sent.purchase, report.status);
  }

  get(messageId: string): Promise<SentSms | null> {
    return this.store.get<SentSms>(key(messageId));
  }
}

function key(messageId: string): string {
  return `sms:sent:${messageId}`;
}
