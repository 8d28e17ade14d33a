// The only place that reads configuration and wires adapters together.
import type { Server } from "node:http";
import { pathToFileURL } from "node:url";
import type { Redis } from "ioredis";
import { CATALOGUES, type Catalogue } from "../machines/copy/index.js";
import { createApp, type HealthReport } from "./app.js";
import { type Config, ConfigError, loadConfig } from "./config.js";
import { migrate } from "./database/migrate.js";
import { openPglite } from "./database/pglite.js";
import { connectPostgres } from "./database/postgres.js";
import type { SqlDatabase } from "./database/sql.js";
import { BullMqJobQueue } from "./jobs/bullmq.js";
import { MemoryJobQueue } from "./jobs/memory.js";
import type { JobQueue } from "./jobs/queue.js";
import { createLogger, type Logger } from "./log.js";
import { SmsDeliveryLog } from "./notify/delivery.js";
import { AfricasTalkingSmsSender } from "./notify/gateways/africastalking.js";
import { LogSmsSender } from "./notify/gateways/log.js";
import { SmsOutbox } from "./notify/outbox.js";
import type { SmsSender } from "./notify/sender.js";
import { SmsNotifier } from "./notify/sms-notifier.js";
import { operatorRoutes } from "./operator/index.js";
import { ServiceMetrics } from "./operator/metrics.js";
import { regionOf, rememberingPhoneReader, toE164Digits } from "./phone.js";
import type { PurchaseLedger } from "./purchases/ledger.js";
import { ledgerMigrations } from "./purchases/ledger-schema.js";
import { PurchaseService } from "./purchases/purchases.js";
import { SqlLedger } from "./purchases/sql-ledger.js";
import { SmsConversations } from "./sms/conversations.js";
import { MemoryStore } from "./store/memory.js";
import { RedisStore } from "./store/redis.js";
import { connectRedis } from "./store/redis-connection.js";
import { checkRedisServer, RedisServerUnfitError } from "./store/redis-server-check.js";
import type { KeyValueStore } from "./store/store.js";
import { registeredAggregators } from "./ussd/aggregators/registry.js";
import { GatewaySessions } from "./ussd/gateway-sessions.js";
import { UssdSessions } from "./ussd/session.js";
import { vendorFromConfig } from "./vending/from-config.js";

export interface Service {
  app: ReturnType<typeof createApp>;
  /** Base URL of the built-in vendor sandbox, when it runs. */
  sandboxUrl?: string;
  close(): Promise<void>;
}

/** Builds the whole product from configuration. Tests call this with their own config and logger. */
export interface ServiceOptions {
  /** The customer-word catalogues by language code (default: those the product ships). */
  catalogues?: Readonly<Record<string, Catalogue>>;
}

export async function buildService(
  config: Config,
  logger: Logger = createLogger(config.LOG_LEVEL),
  options: ServiceOptions = {},
): Promise<Service> {
  const catalogues = options.catalogues ?? CATALOGUES;
  const missing = config.LANGUAGES.filter((code) => !catalogues[code]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  LANGUAGES: no catalogue for ${missing.join(", ")} (shipped: ${Object.keys(catalogues).join(", ")})`,
    );
  }
  const region = regionOf(config.LOCALE);
  // A pure function of its text: remembered, so a session's phone is parsed once, not on every callback.
  const toPhone = rememberingPhoneReader((raw: string) => toE164Digits(raw, region));

  const metrics = new ServiceMetrics();
  const redis = config.REDIS_URL ? await connectRedis(config.REDIS_URL, logger) : undefined;
  if (redis) await refuseUnfitRedis(redis, logger);
  const database = await openLedgerDatabase(config, logger).catch((error: unknown) => {
    redis?.disconnect();
    throw error;
  });
  const selected = await vendorFromConfig(config, logger);
  const { sandbox, smsSourceChannel } = selected;
  const vendor = metrics.vendor(selected.vendor, config.VENDOR);
  if (sandbox)
    logger.info({ vendor: config.VENDOR, url: sandbox.url }, "vendor URL unset: using the built-in sandbox");

  const runWorkers = config.WORKERS === "on";
  const store: KeyValueStore = redis
    ? new RedisStore(redis, {
        keyPrefix: config.KEY_PREFIX,
        // A lock outlives the longest callback, and a waiting duplicate still answers within the deadline.
        lockTtlMs: config.USSD_REPLY_BUDGET_MS + 5000,
        lockWaitMs: config.USSD_REPLY_BUDGET_MS,
      })
    : new MemoryStore();
  const ledger: PurchaseLedger = new SqlLedger(database);
  const jobs: JobQueue = config.REDIS_URL
    ? new BullMqJobQueue({
        connection: { url: config.REDIS_URL },
        prefix: `${config.KEY_PREFIX}bull`,
        runWorkers,
        logger,
      })
    : new MemoryJobQueue(logger);
  const deliveries = new SmsDeliveryLog(store, logger, (status) => metrics.deliveryReport(status));
  const gateway = smsSender(config, logger);
  const outbox = new SmsOutbox(
    jobs,
    metrics.smsSender(gateway),
    logger,
    {
      attempts: config.SMS_ATTEMPTS,
      backoffMs: config.SMS_BACKOFF_MS,
      maxBackoffMs: 10 * 60_000,
      sendAtOnce: runWorkers,
    },
    deliveries,
  );
  const purchases = new PurchaseService(
    vendor,
    metrics.ledger(ledger, config.VENDOR),
    jobs,
    new SmsNotifier(outbox, deliveries),
    {
      confirmWaitMs: config.CONFIRM_WAIT_MS,
      resolveAttempts: config.RESOLVE_ATTEMPTS,
      resolveBackoffMs: config.RESOLVE_BACKOFF_MS,
      resolveMaxBackoffMs: config.RESOLVE_MAX_BACKOFF_MS,
      staleConfirmingMs: config.CONFIRM_TIMEOUT_MS + 5000,
    },
    logger,
  );
  const ussd = new UssdSessions(
    store,
    purchases,
    () => vendor.products(),
    {
      toPhone,
      newSessionsPerMinute: config.USSD_NEW_SESSIONS_PER_MINUTE,
      repeatWindowMs: config.USSD_REPEAT_WINDOW_MS,
      currency: config.CURRENCY,
      minAmount: config.AMOUNT_MIN,
      maxAmount: config.AMOUNT_MAX,
      sessionTtlSeconds: config.USSD_SESSION_TTL_SECONDS,
      sourceChannel: "USSD",
      replyBudgetMs: config.USSD_REPLY_BUDGET_MS,
      screenLimit: config.USSD_SCREEN_LIMIT,
      languages: config.LANGUAGES,
      catalogues,
    },
    logger,
  );

  const sms = new SmsConversations(
    store,
    purchases,
    () => vendor.products(),
    outbox,
    {
      toPhone,
      currency: config.CURRENCY,
      minAmount: config.AMOUNT_MIN,
      maxAmount: config.AMOUNT_MAX,
      sourceChannel: smsSourceChannel,
      messagesPerMinute: config.SMS_MESSAGES_PER_MINUTE,
      quotesPerHour: config.SMS_QUOTES_PER_HOUR,
      quoteTtlSeconds: config.SMS_QUOTE_TTL_SECONDS,
    },
    logger,
  );

  // The operator sees the vendor float in /health; asked at most once a minute, never slowing the check.
  let balance: { at: number; value: Record<string, unknown> } | undefined;
  let balanceRefresh: Promise<void> | undefined;
  const vendorBalance = () => {
    if (!balanceRefresh && (!balance || Date.now() - balance.at > 60_000)) {
      balanceRefresh = vendor
        .balance()
        .then(
          (b) => ({ ...b }),
          () => ({ error: "unavailable" }),
        )
        .then((value) => {
          balance = { at: Date.now(), value };
        })
        .finally(() => {
          balanceRefresh = undefined;
        });
    }
    return balance?.value ?? { pending: true };
  };

  const health = async (): Promise<HealthReport> => {
    const [storeOk, ledgerOk] = await Promise.all([store.ping(), ping(database)]);
    return {
      ok: storeOk && ledgerOk,
      detail: {
        store: redis ? "redis" : "memory",
        storeReachable: storeOk,
        ledger: database.kind,
        ledgerReachable: ledgerOk,
        workers: runWorkers,
        vendor: config.VENDOR,
        sandbox: Boolean(sandbox),
        vendorBalance: vendorBalance(),
      },
    };
  };

  // Purchases whose process died mid-buy are found by whichever instance sweeps next.
  const recovery = runWorkers ? startRecovery(purchases, config.RECOVERY_INTERVAL_MS, logger) : undefined;

  const ussdAggregators = registeredAggregators(config.USSD_SERVICE_CODES);
  metrics.readFrom({
    vendor: config.VENDOR,
    storeKind: redis ? "redis" : "memory",
    storeUp: () => store.ping(),
    unresolved: () => ledger.unresolved(),
    queueDepth: () => jobs.depth(),
    balance: () => vendorBalance(),
  });
  const app = createApp({
    ussd,
    aggregators: ussdAggregators,
    sms,
    toPhone,
    health,
    deliveries,
    security: config.webhookSecurity,
    gatewaySessions: new GatewaySessions(store, config.USSD_SESSION_TTL_SECONDS),
    trustProxy: config.TRUST_PROXY,
    logger,
    observer: metrics,
    operatorRoutes: operatorRoutes({
      config,
      logger,
      metrics,
      store,
      ledger,
      purchases,
      vendor,
      sandbox: Boolean(sandbox),
      aggregators: ussdAggregators,
      toPhone,
      ...(gateway instanceof LogSmsSender ? { smsLog: gateway } : {}),
    }),
  });
  return {
    app,
    ...(sandbox ? { sandboxUrl: sandbox.url } : {}),
    async close() {
      recovery?.stop();
      await sms.drain();
      await purchases.drain(config.CONFIRM_TIMEOUT_MS + 1000);
      await jobs.close();
      await store.close();
      redis?.disconnect();
      await database.close();
      await sandbox?.close();
    },
  };
}

/** Startup stops on an evicting Redis; one unreachable now is checked when it first answers. */
async function refuseUnfitRedis(redis: Redis, logger: Logger): Promise<void> {
  const check = () => checkRedisServer(redis, logger);
  if (redis.status !== "ready") {
    redis.once("ready", () => {
      check().catch((error: unknown) => logger.error({ err: (error as Error).message }, "Redis unfit"));
    });
    return;
  }
  try {
    await check();
  } catch (error) {
    redis.disconnect();
    if (error instanceof RedisServerUnfitError)
      throw new ConfigError(`Invalid configuration:\n  ${error.message}`);
    throw error;
  }
}

/**
 * The ledger's database, migrated: PostgreSQL at DATABASE_URL, else PGlite embedded (in LEDGER_DIR, or in
 * memory). A ledger that cannot be reached or migrated stops startup: no purchase may be taken without it.
 */
async function openLedgerDatabase(config: Config, logger: Logger): Promise<SqlDatabase> {
  const variable = config.DATABASE_URL
    ? "DATABASE_URL"
    : config.LEDGER_DIR
      ? "LEDGER_DIR"
      : "the embedded ledger";
  let database: SqlDatabase | undefined;
  try {
    database = config.DATABASE_URL
      ? connectPostgres(config.DATABASE_URL, logger)
      : await openPglite(config.LEDGER_DIR);
    await migrate(database, ledgerMigrations, logger);
  } catch (error) {
    await database?.close().catch(() => {});
    throw new ConfigError(
      `Ledger unavailable:\n  ${variable}: could not open or migrate the ledger database: ${(error as Error).message}`,
    );
  }
  if (!config.DATABASE_URL)
    logger.info(
      { dir: config.LEDGER_DIR ?? "(memory)" },
      "DATABASE_URL unset: purchase ledger in embedded PGlite (one instance only)",
    );
  return database;
}

/** Whether the ledger answers within a second (for /health). */
async function ping(database: SqlDatabase): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 1000);
  });
  const answered = database.query("SELECT 1").then(
    () => true,
    () => false,
  );
  return Promise.race([answered, late]).finally(() => clearTimeout(timer));
}

function startRecovery(purchases: PurchaseService, everyMs: number, logger: Logger) {
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      const count = await purchases.recoverUnresolved();
      if (count > 0) logger.info({ count }, "unresolved purchases handed to the resolver");
    } catch (error) {
      logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        "recovery sweep failed; will retry",
      );
    } finally {
      running = false;
    }
  };
  void sweep();
  const timer = setInterval(() => void sweep(), everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function smsSender(config: Config, logger: Logger): SmsSender {
  if (config.SMS_PROVIDER === "africastalking") {
    return new AfricasTalkingSmsSender({
      username: config.AFRICASTALKING_USERNAME ?? "",
      apiKey: config.AFRICASTALKING_API_KEY ?? "",
      ...(config.AFRICASTALKING_SENDER_ID ? { senderId: config.AFRICASTALKING_SENDER_ID } : {}),
      ...(config.AFRICASTALKING_SMS_URL ? { url: config.AFRICASTALKING_SMS_URL } : {}),
    });
  }
  return new LogSmsSender(logger);
}

/** `npm start`: serve until SIGTERM/SIGINT, then stop taking callbacks and finish in-flight work. */
async function run(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  let service: Service;
  try {
    service = await buildService(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const server: Server = service.app.listen(config.PORT, () => {
    const address = server.address();
    logger.info(
      { port: typeof address === "object" && address ? address.port : config.PORT },
      "USSD/SMS vending service listening",
    );
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close(() => {
      void service.close().then(() => process.exit(0));
    });
    // Idle keep-alive connections would hold close() open.
    server.closeIdleConnections();
    setTimeout(() => process.exit(1), config.CONFIRM_TIMEOUT_MS + 15_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void run();
}
