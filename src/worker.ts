// `npm run worker`: background work only (purchase resolution, SMS outbox, recovery sweeps), no webhook,
// so an operator can scale workers apart from the instances that answer callbacks.
import { ConfigError, loadConfig } from "./config.js";
import { createLogger } from "./log.js";
import { buildService } from "./main.js";

async function runWorker(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ ...process.env, WORKERS: "on" });
    if (!config.REDIS_URL)
      throw new ConfigError("Invalid configuration:\n  REDIS_URL: required by npm run worker");
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);
  if (!config.SCRATCHPOWER_URL) {
    logger.warn("SCRATCHPOWER_URL unset: this worker talks to its own built-in sandbox, not the webhook's");
  }
  let service: Awaited<ReturnType<typeof buildService>>;
  try {
    service = await buildService(config, logger);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  logger.info("background workers running");
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker shutting down: finishing jobs in progress");
    setTimeout(() => process.exit(1), 20_000).unref();
    void service.close().then(() => process.exit(0));
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

void runWorker();
