// Load benchmark over loopback: virtual customers run complete electricity journeys through
// POST /ussd/africastalking against a real instance (its own process, built-in sandbox at zero latency,
// SMS to the log), once per setup: `memory` (in-memory store, embedded PGlite ledger), `postgres`
// (in-memory store, PostgreSQL ledger), `redis` (Redis store, PostgreSQL ledger). Prints figures; asserts
// nothing.
//
//   npm run bench                      every setup, both load shapes (builds dist/ first)
//   BENCH_SECONDS=10 npm run bench     shorter runs
//   BENCH_STORES=redis npm run bench   some setups only (memory, postgres, redis)
//   BENCH_WARMUP_SECONDS=10            paced load before measuring, not counted (JIT, connections, caches)
//   REDIS_URL=redis://host:port        Redis to use (default 127.0.0.1:6379; keys under a bench: prefix)
//   DATABASE_URL=postgres://…          PostgreSQL server to use (default postgres@127.0.0.1:5432; the bench
//                                      creates a database of its own there and drops it afterwards)
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFile } from "node:fs/promises";
import { Agent, request } from "node:http";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";

const root = fileURLToPath(new URL("..", import.meta.url));
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const stores = (process.env.BENCH_STORES ?? "memory,postgres,redis").split(",").map((s) => s.trim());
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
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

async function startInstance(env: Record<string, string>): Promise<Instance> {
  // The compiled build, as the Docker image runs it (`npm run bench` builds it first).
  const child = spawn(process.execPath, ["dist/src/main.js"], {
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
  /** Latencies by journey step: menu, product, meter, amount, recipient (quote), pay (confirm). */
  byStep: number[][];
  callbacks: number;
  sessions: number;
  errors: number;
  elapsedMs: number;
}

let sessionCounter = 0;

async function runShape(url: string, shape: Shape): Promise<Result> {
  const latencies: number[] = [];
  const byStep: number[][] = [[], [], [], [], [], []];
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
            if (!reply.startsWith("END Paid")) throw new Error(`unexpected end: ${reply.slice(0, 60)}`);
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

async function main(): Promise<void> {
  console.log(
    `Load benchmark: ${warmupSeconds} s warm-up, then ${seconds} s paced and ${shapes[1]?.seconds} s saturating per store; loopback; built-in sandbox at zero latency\n`,
  );
  const rows: string[] = [];
  for (const store of stores) {
    const prefix = `bench:${process.pid}:`;
    const database = store === "memory" ? undefined : await benchDatabase(`bench_${process.pid}_${store}`);
    const env: Record<string, string> = {
      ...(database ? { DATABASE_URL: database.url } : {}),
      ...(store === "redis" ? { REDIS_URL: redisUrl, KEY_PREFIX: prefix } : {}),
    };
    const instance = await startInstance(env);
    // Its log is read and dropped: printing it would measure the terminal, not the service.
    instance.child.stdout?.removeAllListeners("data");
    instance.child.stdout?.resume();
    // A fresh process is slow for its first seconds (JIT, first login, lazy connections); production runs warm.
    await runShape(instance.url, { ...shapes[0], seconds: warmupSeconds } as Shape);
    for (const shape of shapes) {
      const result = await runShape(instance.url, shape);
      const sorted = [...result.latencies].sort((a, b) => a - b);
      const secs = result.elapsedMs / 1000;
      const row = [
        store.padEnd(8),
        shape.name.padEnd(38),
        `${(result.callbacks / secs).toFixed(0).padStart(6)} cb/s`,
        `${(result.sessions / secs).toFixed(1).padStart(7)} sessions/s`,
        `p50 ${percentile(sorted, 50).toFixed(1).padStart(6)} ms`,
        `p95 ${percentile(sorted, 95).toFixed(1).padStart(6)} ms`,
        `p99 ${percentile(sorted, 99).toFixed(1).padStart(6)} ms`,
        `errors ${result.errors}`,
        `peak RSS ${(await peakRssMiB(instance.child.pid as number)).toFixed(0)} MiB`,
      ].join("  ");
      console.log(row);
      if (process.env.BENCH_STEPS) {
        const names = ["menu", "product", "meter", "amount", "quote", "pay"];
        const steps = result.byStep.map((l, i) => {
          const s = [...l].sort((a, b) => a - b);
          return `${names[i]} p50 ${percentile(s, 50).toFixed(1)} p99 ${percentile(s, 99).toFixed(1)}`;
        });
        console.log(`        by step: ${steps.join(" | ")}`);
      }
      rows.push(row);
    }
    instance.child.kill("SIGTERM");
    await once(instance.child, "exit");
    await database?.drop();
    if (store === "redis") {
      const redis = new Redis(redisUrl);
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
      redis.disconnect();
    }
  }
  agent.destroy();
  console.log(`\nbench peak RSS of the load generator: ${(await peakRssMiB(process.pid)).toFixed(0)} MiB`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
