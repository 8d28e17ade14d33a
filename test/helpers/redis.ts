// Real Redis for tests. Most tests share the machine's server (TEST_REDIS_URL, default 127.0.0.1:6379) and
// keep apart by key prefix; outage tests start their own redis-server on a free port so they can stop it.
// Tests that need Redis never skip: when it is not there they fail and say so.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let counter = 0;

/** A key prefix no other test (or earlier run) uses. */
export function uniquePrefix(label = "t"): string {
  return `test:${label}:${process.pid}:${Date.now().toString(36)}:${++counter}:`;
}

/** Fails with a clear message when the shared Redis is not reachable. */
export async function requireRedis(url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    connectTimeout: 2000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(
      `These tests need a real redis-server at ${url} (set TEST_REDIS_URL to use another): ${(error as Error).message}`,
    );
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix` (test clean-up). */
export async function deletePrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
  } finally {
    client.disconnect();
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (!address || typeof address === "string") throw new Error("no free port");
  return address.port;
}

/** A private redis-server that a test can stop and start again on the same port. */
export interface OwnRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/**
 * `persistent` keeps data across stop/start (append-only file, fsync on every write), as a production
 * Redis would; without it a stop loses everything. `args` are further redis-server options.
 */
export async function startOwnRedis(
  options: { persistent?: boolean; args?: string[] } = {},
): Promise<OwnRedis> {
  const port = await freePort();
  const dir = options.persistent ? await mkdtemp(join(tmpdir(), "redis-")) : undefined;
  const persistence = dir
    ? ["--appendonly", "yes", "--appendfsync", "always", "--dir", dir]
    : ["--appendonly", "no"];
  let child: ChildProcess | null = null;
  const start = async () => {
    if (child && child.exitCode === null && child.signalCode === null) return;
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", ...persistence, ...(options.args ?? [])],
      {
        stdio: "ignore",
      },
    );
    const until = Date.now() + 5000;
    for (;;) {
      try {
        await requireRedis(`redis://127.0.0.1:${port}`);
        return;
      } catch (error) {
        if (Date.now() > until) throw error;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  const stop = async () => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    running.kill("SIGKILL");
    await once(running, "exit");
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}
