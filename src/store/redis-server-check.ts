// What the Redis server must be for what it holds: sessions, locks, rate limits and BullMQ queues. An
// evicting maxmemory-policy silently deletes any of them (a lock evicted lets two callbacks of one session
// run at once; BullMQ requires noeviction), so startup refuses it. Without AOF a restart loses queued SMS
// and sessions (not purchases: those are in the ledger), so startup warns.
import type { Redis } from "ioredis";
import type { Logger } from "../log.js";

export class RedisServerUnfitError extends Error {
  override name = "RedisServerUnfitError";
}

/** The server's setting `name`: CONFIG GET, else the same field of INFO (managed Redis often hides CONFIG). */
async function setting(client: Redis, name: string, infoSection: string, infoField: string) {
  try {
    const [, value] = (await client.config("GET", name)) as string[];
    if (value !== undefined) return value;
  } catch {
    // CONFIG disabled or renamed: INFO usually still answers.
  }
  try {
    const info = await client.info(infoSection);
    return new RegExp(`^${infoField}:(.*)$`, "m").exec(info)?.[1]?.trim();
  } catch {
    return undefined;
  }
}

/**
 * Throws RedisServerUnfitError when the server evicts keys; warns when it has no append-only file or its
 * settings cannot be read. A server not reachable now is checked when it first answers (logged only).
 */
export async function checkRedisServer(client: Redis, logger: Logger): Promise<void> {
  const policy = await setting(client, "maxmemory-policy", "memory", "maxmemory_policy");
  if (policy === undefined) {
    logger.warn(
      "could not read the Redis server's maxmemory-policy (CONFIG and INFO refused): it must be noeviction",
    );
  } else if (policy !== "noeviction") {
    throw new RedisServerUnfitError(
      `REDIS_URL: the server's maxmemory-policy is ${policy}; set it to noeviction (an evicting Redis silently deletes sessions, locks and queued jobs, and BullMQ requires noeviction)`,
    );
  }
  const aof = await setting(client, "appendonly", "persistence", "aof_enabled");
  if (aof === undefined) {
    logger.warn("could not read whether the Redis server keeps an append-only file (appendonly)");
  } else if (aof !== "yes" && aof !== "1") {
    logger.warn(
      "Redis has no append-only file (appendonly no): a restart loses queued SMS and USSD sessions (purchases are safe in the ledger); set appendonly yes in production",
    );
  }
}
