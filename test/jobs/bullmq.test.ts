// What only the Redis-backed queue promises: instances that enqueue and instances that run can be apart,
// jobs outlive the process that enqueued them, and close() neither hangs nor leaks when Redis is down.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { Redis } from "ioredis";
import { pino } from "pino";
import { BullMqJobQueue, type BullMqJobQueueOptions } from "../../src/jobs/bullmq.js";
import type { Job, WorkerOptions } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import {
  deletePrefix,
  type OwnRedis,
  requireRedis,
  startOwnRedis,
  TEST_REDIS_URL,
  uniquePrefix,
} from "../helpers/redis.js";

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Clients connected to a Redis other than the one asking. */
async function otherClients(url: string): Promise<string[]> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const list = String(await client.client("LIST"));
    return list.split("\n").filter((line) => line.trim() !== "" && !line.includes("cmd=client|list"));
  } finally {
    client.disconnect();
  }
}

type Batch = { to: string; texts: string[]; sent: number };

describe("BullMqJobQueue", () => {
  let prefix: string;
  const opened: BullMqJobQueue[] = [];

  before(async () => {
    await requireRedis();
  });

  beforeEach(() => {
    prefix = uniquePrefix("bullmq");
  });

  async function closeAll(): Promise<void> {
    await Promise.all(opened.splice(0).map((jobs) => jobs.close()));
  }

  afterEach(async () => {
    await closeAll();
    await deletePrefix(prefix);
  });

  function open(overrides: Partial<BullMqJobQueueOptions> = {}): BullMqJobQueue {
    const jobs = new BullMqJobQueue({
      connection: { url: TEST_REDIS_URL },
      prefix,
      runWorkers: true,
      logger: createLogger("silent"),
      closeTimeoutMs: 5000,
      ...overrides,
    });
    opened.push(jobs);
    return jobs;
  }

  const options: WorkerOptions<Batch> = { attempts: 3, backoffMs: 50 };

  it("runs on a worker instance what an enqueue-only instance added", async () => {
    const webhook = open({ runWorkers: false });
    let ranOnWebhook = 0;
    webhook.register<Batch>("sms", async () => void ranOnWebhook++, options);

    const worker = open({ runWorkers: true });
    const ran = deferred<Job<Batch>>();
    worker.register<Batch>("sms", async (job) => ran.resolve(job), options);

    await webhook.enqueue<Batch>("sms", { to: "26771436390", texts: ["hello"], sent: 0 });
    const job = await within(ran.promise, 5000, "the worker instance to run the job");
    assert.deepEqual(job.data, { to: "26771436390", texts: ["hello"], sent: 0 });
    await sleep(200);
    assert.equal(ranOnWebhook, 0);
  });

  it("runs a job enqueued before any worker started, once one starts", async () => {
    const before = open({ runWorkers: false });
    before.register<Batch>("sms", async () => {}, options);
    await before.enqueue<Batch>("sms", { to: "26771436390", texts: ["a"], sent: 0 });
    await before.close();

    const runs: Batch[] = [];
    const ran = deferred();
    const after = open();
    after.register<Batch>(
      "sms",
      async (job) => {
        runs.push(job.data);
        ran.resolve();
      },
      options,
    );
    await within(ran.promise, 5000, "the restarted instance to run the job");
    await sleep(200);
    assert.equal(runs.length, 1);
  });

  it("continues a failed job's retries, attempt count and progress after a restart", async () => {
    const retrying: WorkerOptions<Batch> = { attempts: 3, backoffMs: 700 };
    const failedOnce = deferred();
    const first = open();
    first.register<Batch>(
      "sms",
      async (job) => {
        await job.update({ ...job.data, sent: 1 });
        failedOnce.resolve();
        throw new Error("gateway timeout");
      },
      retrying,
    );
    await first.enqueue<Batch>("sms", { to: "26771436390", texts: ["a", "b"], sent: 0 });
    await within(failedOnce.promise, 5000, "the first attempt");
    await first.close(); // before the retry is due

    const resumed = deferred<{ attempt: number; data: Batch }>();
    const second = open();
    second.register<Batch>(
      "sms",
      async (job) => resumed.resolve({ attempt: job.attempt, data: job.data }),
      retrying,
    );
    const { attempt, data } = await within(resumed.promise, 5000, "the retry on the new instance");
    assert.equal(attempt, 2);
    assert.equal(data.sent, 1);
  });

  it("logs failures without the job's data", async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "debug" },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const gaveUp = deferred();
    const jobs = open({ logger });
    jobs.register<Batch>(
      "sms",
      async () => {
        throw new Error("gateway timeout");
      },
      { attempts: 2, backoffMs: 20, onGiveUp: async () => gaveUp.resolve() },
    );
    await jobs.enqueue<Batch>("sms", { to: "26771436390", texts: ["Token 0404 0404 1980"], sent: 0 });
    await within(gaveUp.promise, 5000, "onGiveUp");

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const retry = entries.find((e) => e.msg === "job failed, will retry");
    const gaveUpEntry = entries.find((e) => e.msg === "job gave up");
    assert.deepEqual(
      [retry?.job, retry?.attempt, retry?.err, typeof retry?.id],
      ["sms", 1, "gateway timeout", "string"],
    );
    assert.deepEqual([gaveUpEntry?.job, gaveUpEntry?.attempt], ["sms", 2]);
    const output = lines.join("");
    assert.ok(!output.includes("26771436390"), "phone number logged");
    assert.ok(!output.includes("0404 0404"), "token logged");
  });

  describe("with its own Redis", () => {
    let redis: OwnRedis;

    beforeEach(async () => {
      redis = await startOwnRedis();
    });

    afterEach(async () => {
      await closeAll(); // while this Redis still runs, or each close() would wait out its time limit
      await redis.stop();
    });

    async function runOneJob(jobs: BullMqJobQueue): Promise<void> {
      const ran = deferred();
      jobs.register("ping", async () => ran.resolve(), { attempts: 1, backoffMs: 10 });
      await jobs.enqueue("ping", {});
      await within(ran.promise, 5000, "a job to run");
    }

    it("closes every connection it opened", async () => {
      const jobs = open({ connection: { url: redis.url } });
      await runOneJob(jobs);
      assert.ok((await otherClients(redis.url)).length >= 2, "queue and worker connections are open");
      await jobs.close();
      assert.deepEqual(await otherClients(redis.url), []);
    });

    it("fails an enqueue promptly while Redis is down, and works once it is back", async () => {
      await redis.stop();
      // Both instances start while Redis is down (e.g. a deploy during a Redis restart).
      const webhook = open({ connection: { url: redis.url }, runWorkers: false });
      webhook.register("ping", async () => {}, { attempts: 1, backoffMs: 10 });
      const worker = open({ connection: { url: redis.url } });
      const ran = deferred<unknown>();
      worker.register("ping", async (job) => ran.resolve(job.data), { attempts: 1, backoffMs: 10 });

      const started = Date.now();
      await assert.rejects(webhook.enqueue("ping", { n: 1 }));
      assert.ok(Date.now() - started < 5000, `enqueue failed after ${Date.now() - started} ms`);

      await redis.start();
      await webhook.enqueue("ping", { n: 2 });
      assert.deepEqual(await within(ran.promise, 10_000, "the worker to run the job"), { n: 2 });
    });

    it("closes within its time limit when Redis is down, leaving nothing to reconnect", async () => {
      const jobs = open({ connection: { url: redis.url }, closeTimeoutMs: 1000 });
      await runOneJob(jobs);
      await redis.stop();

      const started = Date.now();
      await jobs.close();
      const took = Date.now() - started;
      assert.ok(took < 4000, `close() took ${took} ms`);

      // A client left behind would reconnect within ioredis's 2 s retry cap once Redis is back.
      await redis.start();
      await sleep(2500);
      assert.deepEqual(await otherClients(redis.url), []);
    });
  });
});
