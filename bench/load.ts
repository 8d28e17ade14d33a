// Load benchmark over loopback: virtual customers run complete electricity journeys through
// POST /ussd/africastalking against a real instance (its own process, SMS to the log; the vendor is the
// ScratchPower v1 sandbox at zero latency in a process of its own), once per setup: `memory` (in-memory store, embedded PGlite ledger), `postgres`
// (in-memory store, PostgreSQL ledger), `redis` (Redis store, PostgreSQL ledger). Prints figures; asserts
// nothing.
//
//   npm run bench                      every setup, both load shapes (builds dist/ first)
//   BENCH_SECONDS=10 npm run bench     shorter runs
//   BENCH_STORES=redis npm run bench   some setups only (memory, postgres, redis)
//   BENCH_WARMUP_SECONDS=10            paced load before measuring, not counted (JIT, connections, caches)
//   REDIS_URL=redis://host:port        Redis to use (keys under a bench: prefix); default: a private
//                                      redis-server the bench starts, so its command counts are the service's
//   BENCH_SERVICE_FLAGS="--cpu-prof"   Node flags for the service's process only (profiles, GC tracing)
//   BENCH_SERVICE_LOG=/tmp/service.log the service's stdout (its log, GC traces) to that file, per setup
//   BENCH_VENDOR=builtin               the service's own built-in sandbox, inside the service's process (its
//                                      CPU then counts as the service's), instead of a separate one
//   DATABASE_URL=postgres://…          PostgreSQL server to use (default postgres@127.0.0.1:5432; the bench
//                                      creates a database of its own there and drops it afterwards)
//   BENCH_PRELOAD=1000,100000          after the two shapes, grow the instance to each size in turn (live
//                                      sessions, by first dials; past sales, in the ledger's database) and
//                                      run the saturating shape again: is the cost per callback flat?
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { Agent, createServer, request } from "node:http";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";
import { scratchPowerSandboxEnv } from "../test/helpers/scratchpower-env.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const stores = (process.env.BENCH_STORES ?? "memory,postgres,redis").split(",").map((s) => s.trim());
const serverUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database on the server for one run, and its dropping. */
async function benchDatabase(name: string): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}
const warmupSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 10);
const preloadSizes = (process.env.BENCH_PRELOAD ?? "")
  .split(",")
  .filter(Boolean)
  .map(Number)
  .sort((a, b) => a - b);

/**
 * Grows the instance to `sessions` live sessions (each a first dial, answered with the menu, as a customer
 * who dialled and has not answered yet) from `from`, 64 at a time, on phones the customers never use.
 */
async function preloadSessions(url: string, from: number, sessions: number): Promise<void> {
  let next = from;
  const worker = async () => {
    while (next < sessions) {
      const i = next++;
      const reply = await callback(url, `preload_${process.pid}_${i}`, `+2677${String(2_000_000 + i)}`, "");
      if (!reply.startsWith("CON ")) throw new Error(`preload dial answered ${reply.slice(0, 40)}`);
    }
  };
  await Promise.all(Array.from({ length: 64 }, worker));
}

/**
 * Grows the ledger to `purchases` past sales (SUCCESSFUL, told, one history line each, spread over the
 * last 30 days, on meters and phones of their own), written in SQL straight into the bench's database.
 */
async function preloadPurchases(databaseUrl: string, from: number, purchases: number): Promise<void> {
  if (purchases <= from) return;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `WITH rows AS (
         INSERT INTO purchases (reference, channel, session_id, phone, recipient, product_type, product_name,
           subscriber_label, provider_code, subscriber_id, amount, charge, total, currency, source_channel,
           status, token, units, notified, created_at, updated_at)
         SELECT 'PRELOAD' || i, 'USSD', 'preload-' || i, '2677' || (3000000 + i), '2677' || (3000000 + i),
           'ELECTRICITY', 'Electricity', 'Meter number', 'BPC', lpad(i::text, 11, '0'), 20, 0, 20, 'BWP', 'USSD',
           'SUCCESSFUL', '1234-5678-9012-3456-7890', '8.1 kWh', true, t, t
         FROM generate_series($1::int, $2::int - 1) AS i,
              LATERAL (SELECT now() - random() * interval '30 days' AS t) AS at
         RETURNING reference, created_at)
       INSERT INTO purchase_history (reference, status, at) SELECT reference, 'SUCCESSFUL', created_at FROM rows`,
      [from, purchases],
    );
    await client.query("ANALYZE purchases; ANALYZE purchase_history");
  } finally {
    await client.end();
  }
}

interface Shape {
  name: string;
  customers: number;
  pauseMs: number;
  seconds: number;
}

const shapes: Shape[] = [
  { name: "200 customers, 1 s between inputs", customers: 200, pauseMs: 1000, seconds },
  {
    name: "50 customers, no pause (saturation)",
    customers: 50,
    pauseMs: 0,
    seconds: Math.max(5, Math.round(seconds / 2)),
  },
];

interface Instance {
  url: string;
  child: ChildProcess;
}

async function startInstance(env: Record<string, string>, script = ["dist/src/main.js"]): Promise<Instance> {
  // The compiled build, as the Docker image runs it (`npm run bench` builds it first).
  const child = spawn(process.execPath, script, {
    cwd: root,
    // Info level, as in production: the cost of logging each purchase is part of the figures. Each virtual
    // customer redials every few seconds, far above the per-phone new-session limit meant for people.
    env: {
      ...process.env,
      PORT: "0",
      LOG_LEVEL: "info",
      SMS_PROVIDER: "log",
      USSD_NEW_SESSIONS_PER_MINUTE: "1000",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let buffer = "";
    const timer = setTimeout(() => reject(new Error("instance did not start")), 20_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      const port = /"port":(\d+)/.exec(buffer)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, child });
      }
    });
    child.once("exit", (code) => reject(new Error(`instance exited with ${code}`)));
  });
}

/** Peak resident memory of a process so far (Linux VmHWM), in MiB. */
async function peakRssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

async function callback(url: string, sessionId: string, phone: string, text: string): Promise<string> {
  const body = new URLSearchParams({
    sessionId,
    serviceCode: "*384*123#",
    phoneNumber: phone,
    networkCode: "99999",
    text,
  });
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/ussd/africastalking`,
      { method: "POST", agent, headers: { "content-type": "application/x-www-form-urlencoded" } },
      (res) => {
        let data = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          data += chunk;
        });
        res.on("end", () =>
          res.statusCode === 200 ? resolve(data) : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body.toString());
  });
}

interface Result {
  latencies: number[];
  /** Latencies by journey step: dial, product, meter, amount (the quote), pay (confirm). */
  byStep: number[][];
  callbacks: number;
  sessions: number;
  errors: number;
  elapsedMs: number;
}

let sessionCounter = 0;

/**
 * `ceiling`: the bare Express handler answers `CON hello` to every callback; the same customers send the same
 * five callbacks per journey, and a journey counts when its five were answered.
 */
async function runShape(url: string, shape: Shape, ceiling = false): Promise<Result> {
  const latencies: number[] = [];
  const byStep: number[][] = [[], [], [], [], []];
  let sessions = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + shape.seconds * 1000;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  const customer = async (index: number) => {
    const phone = `+2677${String(1_000_000 + index).padStart(7, "0")}`;
    // Spread the first dials over the first pause so customers do not move in lockstep.
    if (shape.pauseMs > 0) await sleep(Math.random() * shape.pauseMs);
    while (performance.now() < until) {
      const sessionId = `bench_${process.pid}_${++sessionCounter}`;
      const inputs: string[] = [];
      const steps = ["1", "04040404040", "20", "1"];
      try {
        for (let step = 0; step <= steps.length; step++) {
          const t0 = performance.now();
          const reply = await callback(url, sessionId, phone, inputs.join("*"));
          const took = performance.now() - t0;
          latencies.push(took);
          byStep[step]?.push(took);
          if (step === steps.length) {
            if (!ceiling && !reply.startsWith("END Paid"))
              throw new Error(`unexpected end: ${reply.slice(0, 60)}`);
            sessions++;
            break;
          }
          if (!reply.startsWith("CON ")) throw new Error(`unexpected screen: ${reply.slice(0, 60)}`);
          inputs.push(steps[step] as string);
          if (shape.pauseMs > 0) await sleep(shape.pauseMs);
        }
      } catch (error) {
        errors++;
        if (errors <= 3) console.error(`  error: ${(error as Error).message}`);
        // Never turn a failing service into a tight retry loop.
        await sleep(Math.max(100, shape.pauseMs));
      }
    }
  };
  await Promise.all(Array.from({ length: shape.customers }, (_, i) => customer(i)));
  return {
    latencies,
    byStep,
    callbacks: latencies.length,
    sessions,
    errors,
    elapsedMs: performance.now() - started,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/** CPU time (user + system) a process has used so far, in µs, from /proc/<pid>/stat (clock ticks). */
async function cpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * (1_000_000 / CLOCK_TICKS_PER_SECOND);
}
const CLOCK_TICKS_PER_SECOND = 100;

/** Calls of every command on a Redis server so far (INFO commandstats: scripts' inner calls included). */
async function redisCommandCalls(redis: Redis): Promise<{ all: number; scripts: number }> {
  const stats = await redis.info("commandstats");
  let all = 0;
  let scripts = 0;
  for (const [, name, calls] of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    all += Number(calls);
    if (/^(evalsha|eval|fcall)$/.test(name as string)) scripts += Number(calls);
  }
  return { all, scripts };
}

/** Mean MEMORY USAGE of up to 8 live session records. */
async function bytesPerSession(redis: Redis, prefix: string): Promise<number | undefined> {
  const [, keys] = await redis.scan("0", "MATCH", `${prefix}session:*`, "COUNT", 200);
  const sample = keys.slice(0, 8);
  if (sample.length === 0) return undefined;
  const sizes = await Promise.all(sample.map((key) => redis.memory("USAGE", key)));
  return sizes.reduce((sum: number, size) => sum + Number(size ?? 0), 0) / sample.length;
}

/**
 * The Redis server for the `redis` setup: REDIS_URL's when given, else a private `redis-server` on a free
 * port (configured as the machine's: no persistence, noeviction) so its command counts are the service's
 * alone, not other work sharing the server.
 */
async function benchRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxmemory-policy",
      "noeviction",
    ],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch (error) {
      probe.disconnect();
      if (attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    stop: async () => {
      child.kill("SIGTERM");
      await once(child, "exit");
    },
  };
}

interface Measured {
  result: Result;
  cpuMicros: number;
  redisCalls?: { all: number; scripts: number };
  sessionBytes?: number;
}

/** One shape against one process: its latencies, and the process's CPU (and Redis's work) over the window. */
async function measure(
  instance: Instance,
  shape: Shape,
  options: { ceiling?: boolean; redis?: Redis; prefix?: string } = {},
): Promise<Measured> {
  const pid = instance.child.pid as number;
  const cpu0 = await cpuMicros(pid);
  const redis0 = options.redis ? await redisCommandCalls(options.redis) : undefined;
  let sessionBytes: Promise<number | undefined> | undefined;
  const sampler =
    options.redis && options.prefix
      ? setTimeout(
          () => {
            sessionBytes = bytesPerSession(options.redis as Redis, options.prefix as string);
          },
          (shape.seconds * 1000) / 2,
        )
      : undefined;
  const result = await runShape(instance.url, shape, options.ceiling);
  clearTimeout(sampler);
  const cpu = (await cpuMicros(pid)) - cpu0;
  const redis1 = options.redis ? await redisCommandCalls(options.redis) : undefined;
  const measured: Measured = { result, cpuMicros: cpu };
  if (redis0 && redis1)
    // The first reading's INFO call counts too (1 command): negligible, and left in.
    measured.redisCalls = { all: redis1.all - redis0.all, scripts: redis1.scripts - redis0.scripts };
  const bytes = await sessionBytes;
  if (bytes !== undefined) measured.sessionBytes = bytes;
  return measured;
}

function describe(setup: string, shape: Shape, m: Measured, peakRss: number): string {
  const r = m.result;
  const sorted = [...r.latencies].sort((a, b) => a - b);
  const secs = r.elapsedMs / 1000;
  const perPurchase = (n: number) => (r.sessions > 0 ? (n / r.sessions).toFixed(1) : "-");
  return [
    setup.padEnd(8),
    shape.name.padEnd(38),
    `${(r.callbacks / secs).toFixed(0).padStart(6)} cb/s`,
    `${(r.sessions / secs).toFixed(1).padStart(7)} purchases/s`,
    `p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms`,
    `p95 ${percentile(sorted, 95).toFixed(1).padStart(6)} ms`,
    `p99 ${percentile(sorted, 99).toFixed(1).padStart(6)} ms`,
    `CPU ${(r.callbacks > 0 ? m.cpuMicros / r.callbacks : 0).toFixed(0).padStart(4)} µs/cb`,
    ...(m.redisCalls
      ? [
          `Redis ${perPurchase(m.redisCalls.all)} cmds/purchase (${perPurchase(m.redisCalls.scripts)} of them scripts; scripts' own calls counted)`,
        ]
      : []),
    ...(m.sessionBytes !== undefined ? [`${m.sessionBytes.toFixed(0)} B/session`] : []),
    `errors ${r.errors}`,
    `peak RSS ${peakRss.toFixed(0)} MiB`,
  ].join("  ");
}

async function main(): Promise<void> {
  console.log(
    `Load benchmark: ${warmupSeconds} s warm-up, then ${seconds} s paced and ${shapes[1]?.seconds} s saturating per store; loopback; built-in sandbox at zero latency\n`,
  );
  const saturation = shapes[1] as Shape;
  // The ceiling first: a bare Express handler under the saturating load, from the same load generator.
  const bare = await startInstance({}, ["--import", "tsx", "bench/bare-express.ts"]);
  await runShape(bare.url, { ...saturation, seconds: warmupSeconds }, true);
  const ceiling = await measure(bare, saturation, { ceiling: true });
  const ceilingRate = ceiling.result.callbacks / (ceiling.result.elapsedMs / 1000);
  console.log(describe("express", saturation, ceiling, await peakRssMiB(bare.child.pid as number)));
  bare.child.kill("SIGTERM");
  await once(bare.child, "exit");

  // The vendor: its own process unless BENCH_VENDOR=builtin (then each instance starts its built-in one).
  const vendor =
    process.env.BENCH_VENDOR === "builtin"
      ? undefined
      : await startInstance({}, ["--import", "tsx", "bench/vendor-sandbox.ts"]);
  const vendorEnv: Record<string, string> = vendor
    ? {
        ...scratchPowerSandboxEnv(vendor.url),
      }
    : {};
  console.log(
    vendor ? "vendor: the sandbox in its own process" : "vendor: built-in, in the service's process",
  );

  for (const store of stores) {
    const prefix = `bench:${process.pid}:`;
    const database = store === "memory" ? undefined : await benchDatabase(`bench_${process.pid}_${store}`);
    const redisServer = store === "redis" ? await benchRedis() : undefined;
    const redis = redisServer ? new Redis(redisServer.url) : undefined;
    const env: Record<string, string> = {
      ...vendorEnv,
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...(redisServer ? { REDIS_URL: redisServer.url, KEY_PREFIX: prefix } : {}),
    };
    // BENCH_SERVICE_FLAGS: Node flags for the service only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
    const flags = (process.env.BENCH_SERVICE_FLAGS ?? "").split(" ").filter(Boolean);
    const instance = await startInstance(env, [...flags, "dist/src/main.js"]);
    // Its log is read and dropped (printing it would measure the terminal, not the service), or written
    // to BENCH_SERVICE_LOG (e.g. with BENCH_SERVICE_FLAGS=--trace-gc).
    instance.child.stdout?.removeAllListeners("data");
    if (process.env.BENCH_SERVICE_LOG)
      instance.child.stdout?.pipe(createWriteStream(`${process.env.BENCH_SERVICE_LOG}.${store}`));
    else instance.child.stdout?.resume();
    // A fresh process is slow for its first seconds (JIT, first login, lazy connections); production runs warm.
    await runShape(instance.url, { ...shapes[0], seconds: warmupSeconds } as Shape);
    for (const shape of shapes) {
      const m = await measure(instance, shape, redis ? { redis, prefix } : {});
      console.log(describe(store, shape, m, await peakRssMiB(instance.child.pid as number)));
      if (shape === saturation) {
        const rate = m.result.callbacks / (m.result.elapsedMs / 1000);
        const ceilingCpu = ceiling.cpuMicros / Math.max(1, ceiling.result.callbacks);
        const cpu = m.cpuMicros / Math.max(1, m.result.callbacks);
        console.log(
          `        share of the bare Express ceiling: ${((100 * rate) / ceilingRate).toFixed(0)} % of its callbacks/s, ${(cpu / ceilingCpu).toFixed(1)}× its CPU per callback`,
        );
      }
      if (process.env.BENCH_STEPS) {
        const names = ["dial", "product", "meter", "amount (quote)", "pay"];
        const steps = m.result.byStep.map((l, i) => {
          const s = [...l].sort((a, b) => a - b);
          return `${names[i]} p50 ${percentile(s, 50).toFixed(1)} p99 ${percentile(s, 99).toFixed(1)}`;
        });
        console.log(`        by step: ${steps.join(" | ")}`);
      }
    }
    let preloaded = 0;
    for (const size of preloadSizes) {
      const t0 = performance.now();
      await preloadSessions(instance.url, preloaded, size);
      if (database) await preloadPurchases(database.url, preloaded, size);
      preloaded = Math.max(preloaded, size);
      const grown = {
        ...saturation,
        name: `50 customers, ${size} sessions${database ? ` + ${size} sales` : ""}`,
      };
      console.log(`        (grown to ${size} in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      const m = await measure(instance, grown, redis ? { redis, prefix } : {});
      console.log(describe(store, grown, m, await peakRssMiB(instance.child.pid as number)));
    }
    instance.child.kill("SIGTERM");
    await once(instance.child, "exit");
    await database?.drop();
    if (redis) {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
      redis.disconnect();
    }
    await redisServer?.stop();
  }
  if (vendor) {
    vendor.child.kill("SIGTERM");
    await once(vendor.child, "exit");
  }
  agent.destroy();
  console.log(`\nbench peak RSS of the load generator: ${(await peakRssMiB(process.pid)).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
