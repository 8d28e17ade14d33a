// Prometheus metrics (`GET /metrics`). Counted in memory on the paths they describe (a counter increment, no
// await, no store access), aggregated only when scraped: the gauges that need the ledger, the store or the
// queues ask them at scrape time. Labels are bounded: aggregator, vendor, product type, status, endpoint,
// gateway: never a phone number, meter or reference.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { SmsMessage, SmsReceipt, SmsSender } from "../notify/sender.js";
import type { PurchaseLedger, PurchaseRecord } from "../purchases/ledger.js";
import type { CallbackOutcome, SessionEvent, UssdCallbackObserver } from "../ussd/routes.js";
import { type VendingClient, VendorError } from "../vending/vendor.js";

/** What the scrape-time gauges read. Each is asked once per scrape, never on a callback. */
export interface MetricSources {
  vendor: string;
  storeKind: "redis" | "memory";
  storeUp: () => Promise<boolean>;
  /** Purchases needing work (ledger.unresolved()). */
  unresolved: () => Promise<PurchaseRecord[]>;
  /** Jobs waiting, delayed or running, per queue. */
  queueDepth: () => Promise<Record<string, number>>;
  /** The last balance the health check fetched (never fetched for the scrape itself). */
  balance: () => { balance?: string; currency?: string } | undefined;
}

let processMetricsTaken = false;

/** How long a scrape waits for each store read: a store outage must not hang the scrape. */
const SCRAPE_READ_MS = 1500;

/** The value, or undefined when it fails or takes longer than `ms`. */
function atMost<T>(read: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([read.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

export class ServiceMetrics implements UssdCallbackObserver {
  readonly registry = new Registry();
  private readonly callbacks: Counter<"aggregator" | "outcome">;
  private readonly replySeconds: Histogram<"aggregator">;
  private readonly sessions: Counter<"aggregator" | "event">;
  private readonly purchases: Counter<"vendor" | "product" | "status">;
  private readonly vendorSeconds: Histogram<"vendor" | "endpoint">;
  private readonly vendorErrors: Counter<"vendor" | "endpoint" | "kind">;
  private readonly sms: Counter<"gateway" | "event">;
  private readonly deliveries: Counter<"outcome">;
  private sources: MetricSources | undefined;
  /** One ledger read per scrape, shared by the gauges that need it. */
  private openRead: Promise<PurchaseRecord[] | undefined> | undefined;

  constructor() {
    const registers = [this.registry];
    // Process metrics (CPU, memory, event loop lag) once per process: tests build many services in one.
    if (!processMetricsTaken) {
      processMetricsTaken = true;
      collectDefaultMetrics({ register: this.registry });
    }
    this.callbacks = new Counter({
      name: "vending_ussd_callbacks_total",
      help: "USSD callbacks answered, by aggregator and outcome (continue, end, ended, refused, failed)",
      labelNames: ["aggregator", "outcome"],
      registers,
    });
    this.replySeconds = new Histogram({
      name: "vending_ussd_reply_seconds",
      help: "Time from a USSD callback's arrival to its reply, by aggregator",
      labelNames: ["aggregator"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sessions = new Counter({
      name: "vending_ussd_sessions_total",
      help: "USSD sessions started, completed (END sent), released or timed out (said by the aggregator)",
      labelNames: ["aggregator", "event"],
      registers,
    });
    this.purchases = new Counter({
      name: "vending_purchases_total",
      help: "Purchases reaching each status (QUOTED, CONFIRMING = buy sent, SUCCESSFUL, FAILED, UNKNOWN)",
      labelNames: ["vendor", "product", "status"],
      registers,
    });
    this.vendorSeconds = new Histogram({
      name: "vending_vendor_call_seconds",
      help: "Vendor call latency by endpoint (products, quote, buy, resolve, balance), failures included",
      labelNames: ["vendor", "endpoint"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.vendorErrors = new Counter({
      name: "vending_vendor_call_errors_total",
      help: "Vendor calls that failed, by endpoint and kind (rejected, unavailable, ambiguous, other)",
      labelNames: ["vendor", "endpoint", "kind"],
      registers,
    });
    this.sms = new Counter({
      name: "vending_sms_total",
      help: "SMS handed to the gateway: sent (accepted) or failed (refused or unreachable)",
      labelNames: ["gateway", "event"],
      registers,
    });
    this.deliveries = new Counter({
      name: "vending_sms_delivery_reports_total",
      help: "SMS delivery reports received: delivered, failed, or other (queued, buffered, ...)",
      labelNames: ["outcome"],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: "vending_purchases_open",
      help: "Purchases needing work now: outcome unknown (UNKNOWN, CONFIRMING), needs_operator, not_notified",
      labelNames: ["state"],
      registers,
      async collect() {
        const open = await metrics.unresolved();
        // Unreadable (store down): no sample rather than a stale one.
        this.reset();
        if (!open) return;
        const count = (state: string, n: number) => this.set({ state }, n);
        count("UNKNOWN", open.filter((r) => r.status === "UNKNOWN").length);
        count("CONFIRMING", open.filter((r) => r.status === "CONFIRMING").length);
        count("needs_operator", open.filter((r) => r.needsOperator).length);
        count(
          "not_notified",
          open.filter((r) => (r.status === "SUCCESSFUL" || r.status === "FAILED") && !r.notified).length,
        );
      },
    });
    new Gauge({
      name: "vending_purchase_unknown_oldest_age_seconds",
      help: "Age of the oldest purchase whose outcome is not known (0 when none)",
      registers,
      async collect() {
        const open = await metrics.unresolved();
        this.reset();
        if (!open) return;
        const ambiguous = open.filter((r) => r.status === "UNKNOWN" || r.status === "CONFIRMING");
        const oldest = Math.min(...ambiguous.map((r) => Date.parse(r.createdAt)));
        this.set(ambiguous.length === 0 ? 0 : Math.max(0, (Date.now() - oldest) / 1000));
      },
    });
    new Gauge({
      name: "vending_job_queue_depth",
      help: "Background jobs waiting, delayed or running, per queue (resolve-purchase, sms)",
      labelNames: ["queue"],
      registers,
      async collect() {
        const depth = metrics.sources && (await atMost(metrics.sources.queueDepth(), SCRAPE_READ_MS));
        this.reset();
        if (!depth) return;
        for (const [queue, n] of Object.entries(depth)) this.set({ queue }, n);
      },
    });
    new Gauge({
      name: "vending_store_up",
      help: "1 when the store (Redis, or memory) answers a ping, else 0",
      labelNames: ["store"],
      registers,
      async collect() {
        if (!metrics.sources) return;
        const up = await atMost(metrics.sources.storeUp(), SCRAPE_READ_MS);
        this.set({ store: metrics.sources.storeKind }, up ? 1 : 0);
      },
    });
    new Gauge({
      name: "vending_vendor_balance",
      help: "The vendor account's balance as last read by the health check (at most once a minute)",
      labelNames: ["vendor", "currency"],
      registers,
      collect() {
        const read = metrics.sources?.balance();
        const amount =
          read?.balance === undefined ? Number.NaN : Number(String(read.balance).replace(/[^\d.-]/g, ""));
        if (!metrics.sources || !Number.isFinite(amount)) return;
        this.reset();
        this.set({ vendor: metrics.sources.vendor, currency: read?.currency ?? "" }, amount);
      },
    });
  }

  private unresolved(): Promise<PurchaseRecord[] | undefined> {
    this.openRead ??= this.sources
      ? atMost(this.sources.unresolved(), SCRAPE_READ_MS)
      : Promise.resolve(undefined);
    return this.openRead;
  }

  /** Connects the scrape-time gauges to the service's parts (once they exist). */
  readFrom(sources: MetricSources): void {
    this.sources = sources;
  }

  callback(aggregator: string, outcome: CallbackOutcome, seconds: number): void {
    this.callbacks.inc({ aggregator, outcome });
    this.replySeconds.observe({ aggregator }, seconds);
  }

  session(aggregator: string, event: SessionEvent): void {
    this.sessions.inc({ aggregator, event });
  }

  deliveryReport(status: string): void {
    const outcome =
      status === "Success" ? "delivered" : /fail|reject|expired|absent/i.test(status) ? "failed" : "other";
    this.deliveries.inc({ outcome });
  }

  /** The ledger, counting every status a purchase reaches in this process. */
  ledger(inner: PurchaseLedger, vendor: string): PurchaseLedger {
    const count = (record: PurchaseRecord | null) => {
      if (record) this.purchases.inc({ vendor, product: record.productType, status: record.status });
      return record;
    };
    // A Proxy, so read methods added to the port later pass through without this file changing.
    return new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (typeof value !== "function") return value;
        if (property === "create" || property === "claim" || property === "transition") {
          return async (...args: unknown[]) => count(await value.apply(target, args));
        }
        return value.bind(target);
      },
    });
  }

  /** The vendor client, timing every call by endpoint. */
  vendor(inner: VendingClient, vendor: string): VendingClient {
    const timed =
      <A extends unknown[], R>(endpoint: string, call: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const stop = this.vendorSeconds.startTimer({ vendor, endpoint });
        try {
          return await call(...args);
        } catch (error) {
          this.vendorErrors.inc({
            vendor,
            endpoint,
            kind: error instanceof VendorError ? error.kind : "other",
          });
          throw error;
        } finally {
          stop();
        }
      };
    return {
      products: timed("products", () => inner.products()),
      quote: timed("quote", (request) => inner.quote(request)),
      buy: timed("buy", (request) => inner.buy(request)),
      resolve: timed("resolve", (request) => inner.resolve(request)),
      balance: timed("balance", () => inner.balance()),
    };
  }

  /** The SMS gateway, counting accepted and refused messages. */
  smsSender(inner: SmsSender): SmsSender {
    const sms = this.sms;
    return {
      name: inner.name,
      async send(message: SmsMessage): Promise<SmsReceipt> {
        try {
          const receipt = await inner.send(message);
          sms.inc({ gateway: inner.name, event: "sent" });
          return receipt;
        } catch (error) {
          sms.inc({ gateway: inner.name, event: "failed" });
          throw error;
        }
      },
    };
  }

  /** The exposition text and its content type, for `GET /metrics`. */
  async expose(): Promise<{ contentType: string; body: string }> {
    this.openRead = undefined;
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
