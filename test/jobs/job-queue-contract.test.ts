// One behaviour, two implementations: every JobQueue must pass this suite, so callers (SMS outbox,
// purchase resolver) can switch from the in-process queue to Redis without noticing.
import assert from "node:assert/strict";
import { BullMqJobQueue } from "../../src/jobs/bullmq.js";
import { MemoryJobQueue } from "../../src/jobs/memory.js";
import {
  DeferJobError,
  type Job,
  type JobQueue,
  PermanentJobError,
  type WorkerOptions,
} from "../../src/jobs/queue.js";
import { createLogger } from "../../src/log.js";
import { deletePrefix, requireRedis, TEST_REDIS_URL, uniquePrefix } from "../helpers/redis.js";

interface Implementation {
  name: string;
  before?: () => Promise<void>;
  create(): { jobs: JobQueue; cleanup: () => Promise<void> };
}

const implementations: Implementation[] = [
  {
    name: "MemoryJobQueue",
    create() {
      const jobs = new MemoryJobQueue(createLogger("silent"));
      return { jobs, cleanup: () => jobs.close() };
    },
  },
  {
    name: "BullMqJobQueue",
    before: () => requireRedis(),
    create() {
      const prefix = uniquePrefix("jobs");
      const jobs = new BullMqJobQueue({
        connection: { url: TEST_REDIS_URL },
        prefix,
        runWorkers: true,
        logger: createLogger("silent"),
        closeTimeoutMs: 5000,
      });
      return {
        jobs,
        cleanup: async () => {
          await jobs.close();
          await deletePrefix(prefix);
        },
      };
    },
  },
];

/** A promise with its resolve function, to wait for (or release) something a job does. */
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
/** Timers and Redis timestamps can disagree by a few ms; lower bounds allow for that. */
const SLACK_MS = 25;

for (const impl of implementations) {
  describe(`JobQueue contract: ${impl.name}`, () => {
    let jobs: JobQueue;
    let cleanup: () => Promise<void>;
    /** Gates a test opened; released after each test so a failed test cannot leave close() waiting. */
    let releases: (() => void)[] = [];

    before(async () => {
      await impl.before?.();
    });

    beforeEach(() => {
      ({ jobs, cleanup } = impl.create());
      releases = [];
    });

    afterEach(async () => {
      for (const release of releases) release();
      await cleanup();
    });

    function gate() {
      const open = deferred();
      releases.push(open.resolve);
      return open;
    }

    const quick: WorkerOptions<unknown> = { attempts: 3, backoffMs: 50 };

    it("runs a job with its data", async () => {
      const ran = deferred<Job<{ meter: string }>>();
      jobs.register<{ meter: string }>("greet", async (job) => ran.resolve(job), quick);
      await jobs.enqueue("greet", { meter: "04040404198" });
      const job = await within(ran.promise, 5000, "the job to run");
      assert.deepEqual(job.data, { meter: "04040404198" });
      assert.equal(job.attempt, 1);
    });

    it("counts jobs waiting, delayed or running per name (queue depth), and none once they are done", async () => {
      const running = gate();
      const started = deferred();
      const finished = deferred();
      jobs.register(
        "slow",
        async () => {
          started.resolve();
          await running.promise;
          finished.resolve();
        },
        quick,
      );
      jobs.register("later", async () => {}, quick);
      assert.deepEqual(await jobs.depth(), { slow: 0, later: 0 });
      await jobs.enqueue("slow", {});
      await jobs.enqueue("later", {}, { delayMs: 60_000 });
      await jobs.enqueue("later", {}, { delayMs: 60_000 });
      await within(started.promise, 5000, "the slow job to start");
      assert.deepEqual(await jobs.depth(), { slow: 1, later: 2 });
      running.resolve();
      await within(finished.promise, 5000, "the slow job to finish");
      let depth = await jobs.depth();
      for (const until = Date.now() + 5000; depth.slow !== 0 && Date.now() < until; ) {
        await sleep(20);
        depth = await jobs.depth();
      }
      assert.deepEqual(depth, { slow: 0, later: 2 });
    });

    it("refuses a job name nothing was registered for", async () => {
      await assert.rejects(jobs.enqueue("nobody", {}), /no worker registered/);
    });

    it("retries a failing job with doubling backoff until it succeeds", async () => {
      const runs: { attempt: number; at: number }[] = [];
      const done = deferred();
      let gaveUp = 0;
      jobs.register(
        "flaky",
        async (job) => {
          runs.push({ attempt: job.attempt, at: Date.now() });
          if (job.attempt < 3) throw new Error(`transient ${job.attempt}`);
          done.resolve();
        },
        { attempts: 5, backoffMs: 100, onGiveUp: async () => void gaveUp++ },
      );
      await jobs.enqueue("flaky", {});
      await within(done.promise, 10_000, "the third attempt");
      assert.deepEqual(
        runs.map((r) => r.attempt),
        [1, 2, 3],
      );
      const [first, second, third] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
      assert.ok(second.at - first.at >= 100 - SLACK_MS, `first retry after ${second.at - first.at} ms`);
      assert.ok(third.at - second.at >= 200 - SLACK_MS, `second retry after ${third.at - second.at} ms`);
      assert.equal(gaveUp, 0);
    });

    it("keeps progress saved with update() for the retry", async () => {
      type Batch = { texts: string[]; sent: number };
      const seen: Batch[] = [];
      const done = deferred();
      jobs.register<Batch>(
        "batch",
        async (job) => {
          seen.push(structuredClone(job.data));
          for (let i = job.data.sent; i < job.data.texts.length; i++) {
            if (job.attempt === 1 && i === 2) throw new Error("gateway timeout");
            job.data.sent = i + 1;
            await job.update(job.data);
          }
          done.resolve();
        },
        quick as WorkerOptions<Batch>,
      );
      await jobs.enqueue<Batch>("batch", { texts: ["a", "b", "c"], sent: 0 });
      await within(done.promise, 5000, "the retry to finish the batch");
      assert.deepEqual(
        seen.map((b) => b.sent),
        [0, 2],
      );
    });

    it("runs a deferred job again at the time it names, with its progress, using no attempt", async () => {
      const runs: { attempt: number; sent: number; at: number }[] = [];
      const done = deferred();
      let gaveUp = 0;
      let until = 0;
      jobs.register<{ sent: number }>(
        "night",
        async (job) => {
          runs.push({ attempt: job.attempt, sent: job.data.sent, at: Date.now() });
          if (runs.length === 1) {
            await job.update({ sent: 1 });
            until = Date.now() + 400;
            throw new DeferJobError("do not disturb", new Date(until));
          }
          done.resolve();
        },
        { attempts: 1, backoffMs: 20, onGiveUp: async () => void gaveUp++ },
      );
      await jobs.enqueue("night", { sent: 0 }, { jobId: "night-1" });
      await sleep(100);
      // Still pending: the same id is not queued twice.
      await jobs.enqueue("night", { sent: 0 }, { jobId: "night-1" });
      await within(done.promise, 5000, "the deferred run");
      await sleep(300);
      assert.deepEqual(
        runs.map((r) => [r.attempt, r.sent]),
        [
          [1, 0],
          [1, 1],
        ],
      );
      assert.ok((runs[1]?.at ?? 0) >= until - SLACK_MS, "not before the time named");
      assert.equal(gaveUp, 0, "a deferral is not a failed attempt");
    });

    it("does not retry a PermanentJobError and gives up once", async () => {
      let runs = 0;
      const gaveUp: { data: unknown; error: unknown }[] = [];
      const given = deferred();
      jobs.register(
        "doomed",
        async () => {
          runs++;
          throw new PermanentJobError("meter not found");
        },
        {
          attempts: 5,
          backoffMs: 20,
          onGiveUp: async (data, error) => {
            gaveUp.push({ data, error });
            given.resolve();
          },
        },
      );
      await jobs.enqueue("doomed", { reference: "P7K2M9QX4A" });
      await within(given.promise, 5000, "onGiveUp");
      await sleep(300); // a retry would have run by now
      assert.equal(runs, 1);
      assert.equal(gaveUp.length, 1);
      assert.deepEqual(gaveUp[0]?.data, { reference: "P7K2M9QX4A" });
      assert.ok(gaveUp[0]?.error instanceof PermanentJobError, "onGiveUp gets the job's own error");
    });

    it("gives up once with the latest data after the last attempt", async () => {
      const attempts: number[] = [];
      const gaveUp: { data: unknown; error: unknown }[] = [];
      const given = deferred();
      jobs.register<{ reference: string; tries: number }>(
        "unknown-outcome",
        async (job) => {
          attempts.push(job.attempt);
          await job.update({ ...job.data, tries: job.attempt });
          throw new Error("vendor still unsure");
        },
        {
          attempts: 3,
          backoffMs: 30,
          onGiveUp: async (data, error) => {
            gaveUp.push({ data, error });
            given.resolve();
          },
        },
      );
      await jobs.enqueue("unknown-outcome", { reference: "P7K2M9QX4A", tries: 0 });
      await within(given.promise, 5000, "onGiveUp");
      await sleep(200);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(gaveUp.length, 1);
      assert.deepEqual(gaveUp[0]?.data, { reference: "P7K2M9QX4A", tries: 3 });
      assert.match(String(gaveUp[0]?.error), /vendor still unsure/);
    });

    it("delays the first run by delayMs", async () => {
      const ran = deferred<number>();
      jobs.register("later", async () => ran.resolve(Date.now()), quick);
      const enqueuedAt = Date.now();
      await jobs.enqueue("later", {}, { delayMs: 400 });
      const ranAt = await within(ran.promise, 5000, "the delayed job");
      assert.ok(ranAt - enqueuedAt >= 400 - SLACK_MS, `ran after ${ranAt - enqueuedAt} ms`);
    });

    it("runs a job once when its jobId is enqueued again while waiting or running", async () => {
      let runs = 0;
      const started = deferred();
      const release = gate();
      const finished = deferred();
      jobs.register(
        "resolve",
        async () => {
          runs++;
          started.resolve();
          await release.promise;
          finished.resolve();
        },
        quick,
      );
      // An id as callers make them: with ":", which BullMQ refuses in custom job ids.
      const jobId = "purchase:P7K2M9QX4A";
      await jobs.enqueue("resolve", { n: 1 }, { jobId, delayMs: 100 });
      await jobs.enqueue("resolve", { n: 2 }, { jobId }); // while the first waits
      await within(started.promise, 5000, "the first run");
      await jobs.enqueue("resolve", { n: 3 }, { jobId }); // while the first runs
      release.resolve();
      await within(finished.promise, 5000, "the run to finish");
      await sleep(300);
      assert.equal(runs, 1);
    });

    it("runs a jobId again once its earlier job finished", async () => {
      const runs: number[] = [];
      let ran = deferred();
      jobs.register<{ n: number }>(
        "resolve",
        async (job) => {
          runs.push(job.data.n);
          ran.resolve();
        },
        quick as WorkerOptions<{ n: number }>,
      );
      // An all-digit id, which BullMQ refuses as a custom job id.
      await jobs.enqueue("resolve", { n: 1 }, { jobId: "42" });
      await within(ran.promise, 5000, "the first job");
      ran = deferred();
      await sleep(100); // let the first job be recorded as finished
      await jobs.enqueue("resolve", { n: 2 }, { jobId: "42" });
      await within(ran.promise, 5000, "the second job");
      assert.deepEqual(runs, [1, 2]);
    });

    it("close() waits for a running job to finish", async () => {
      const started = deferred();
      let finished = false;
      jobs.register(
        "slow",
        async () => {
          started.resolve();
          await sleep(300);
          finished = true;
        },
        quick,
      );
      await jobs.enqueue("slow", {});
      await within(started.promise, 5000, "the job to start");
      await jobs.close();
      assert.equal(finished, true);
    });
  });
}
