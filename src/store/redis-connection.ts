import { Redis } from "ioredis";
import type { Logger } from "../log.js";

/**
 * The shared connection for sessions and the ledger. Commands fail fast while Redis is unreachable (no
 * offline queue, one retry) so a USSD callback gets its "briefly unavailable" answer within the
 * aggregator's deadline; the client keeps reconnecting by itself. Auto-pipelined (see below).
 */
export async function connectRedis(url: string, logger: Logger, readyWithinMs = 5000): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    commandTimeout: 2000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    // Commands issued in the same tick (many callbacks at once) leave in one socket write: under load the
    // per-command writes were the client's largest cost. Order per connection is kept.
    enableAutoPipelining: true,
  });
  let down = false;
  client.on("error", (error: Error) => {
    if (!down) logger.error({ err: error.message }, "Redis unreachable; retrying");
    down = true;
  });
  client.on("ready", () => {
    if (down) logger.info("Redis reachable again");
    down = false;
  });
  const connected = client.connect().then(
    () => true,
    () => false,
  );
  const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), readyWithinMs).unref());
  // Starting while Redis is down is allowed: health says 503 and callbacks are declined until it returns.
  if (!(await Promise.race([connected, timer])))
    logger.error("Redis not reachable at startup; serving outage replies until it is");
  return client;
}
