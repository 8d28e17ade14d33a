// The Redis-backed JobQueue: jobs survive a restart and can be enqueued by one process (a webhook-only
// instance) and run by another. Behaves like MemoryJobQueue: same attempts, doubling backoff capped by
// maxBackoffMs, PermanentJobError stops retries, onGiveUp runs once after the last failed run.
import { type Job as BullJob, DelayedError, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { Logger } from "../log.js";
import {
  backoffDelay,
  DeferJobError,
  type Job,
  type JobQueue,
  PermanentJobError,
  type WorkerOptions,
} from "./queue.js";

export type BullMqConnection = RedisOptions & { url?: string };

export interface BullMqJobQueueOptions {
  /** Redis to use: `{ url }` and/or ioredis options. */
  connection: BullMqConnection;
  /** BullMQ key prefix, e.g. `ussd:bull`. */
  prefix: string;
  /** False for an instance that only enqueues (e.g. webhook-only); another instance runs the jobs. */
  runWorkers: boolean;
  logger: Logger;
  /** Jobs of one name run at the same time in this process. Default 16. */
  concurrency?: number;
  /** How long close() waits for running jobs and Redis before dropping the connections. Default 15 s. */
  closeTimeoutMs?: number;
}

/** Our backoff strategy's name in the job options; the Worker's `backoffStrategy` computes the delay. */
const BACKOFF_TYPE = "capped-doubling";
// Finished jobs are kept briefly for inspection only: their data can hold phone numbers and tokens.
const KEEP_COMPLETED = { age: 60 * 60, count: 100 };
const KEEP_FAILED = { age: 24 * 60 * 60, count: 1000 };

interface Registration {
  queue: Queue;
  options: WorkerOptions<unknown>;
}

export class BullMqJobQueue implements JobQueue {
  private readonly registrations = new Map<string, Registration>();
  private readonly workers: Worker[] = [];
  /** Every Redis client we (or BullMQ, by duplicating ours) opened, so close() can always drop them. */
  private readonly clients = new Set<Redis>();
  private readonly queueClient: Redis;
  private workerClient: Redis | null = null;
  private readonly giveUps = new Set<Promise<void>>();
  private readonly lastErrors = new Map<string, string>();
  private closing: Promise<void> | null = null;
  private readonly logger: Logger;

  constructor(private readonly options: BullMqJobQueueOptions) {
    this.logger = options.logger;
    // Enqueueing should fail rather than wait forever when Redis is down; the worker connection must retry
    // forever (`maxRetriesPerRequest: null`, which BullMQ requires of blocking connections).
    this.queueClient = this.connect("queue", { maxRetriesPerRequest: 3 });
  }

  register<T>(name: string, run: (job: Job<T>) => Promise<void>, options: WorkerOptions<T>): void {
    if (this.closing) throw new Error("job queue is closed");
    if (this.registrations.has(name)) throw new Error(`job ${name} is already registered`);
    if (name.includes(":")) throw new Error(`job name ${name} cannot contain ":"`);
    const general = options as WorkerOptions<unknown>;
    const queue = new Queue(name, {
      connection: this.queueClient,
      prefix: this.options.prefix,
      // Otherwise a Queue created while Redis is down waits for it (and its version check) forever, and so
      // does every enqueue. This way an enqueue fails after the connection's few retries instead.
      skipWaitingForReady: true,
      skipVersionCheck: true,
    });
    queue.on("error", (error) => this.reportError(`queue ${name}`, error));
    this.registrations.set(name, { queue, options: general });
    if (this.options.runWorkers) this.startWorker(name, run as (job: Job<unknown>) => Promise<void>, general);
  }

  async enqueue<T>(name: string, data: T, options: { delayMs?: number; jobId?: string } = {}): Promise<void> {
    const registration = this.registrations.get(name);
    if (!registration) throw new Error(`no worker registered for job ${name}`);
    await registration.queue.add(name, data, {
      attempts: registration.options.attempts,
      backoff: { type: BACKOFF_TYPE },
      delay: options.delayMs,
      // Deduplication (not a custom jobId) matches the port: an id is ignored only while its job is
      // waiting, delayed or running. A custom jobId would also swallow adds while a finished job is kept.
      deduplication: options.jobId ? { id: options.jobId } : undefined,
      removeOnComplete: KEEP_COMPLETED,
      removeOnFail: KEEP_FAILED,
    });
  }

  async depth(): Promise<Record<string, number>> {
    const depths: Record<string, number> = {};
    for (const [name, { queue }] of this.registrations) {
      const counts = await queue.getJobCounts("waiting", "delayed", "active", "prioritized");
      depths[name] = Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    return depths;
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private startWorker(
    name: string,
    run: (job: Job<unknown>) => Promise<void>,
    options: WorkerOptions<unknown>,
  ) {
    this.workerClient ??= this.connect("worker", { maxRetriesPerRequest: null });
    const worker = new Worker(name, (bullJob: BullJob, token?: string) => this.process(bullJob, run, token), {
      connection: this.workerClient,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 16,
      settings: { backoffStrategy: (attemptsMade) => backoffDelay(options, attemptsMade) },
    });
    worker.on("error", (error) => this.reportError(`worker ${name}`, error));
    worker.on("failed", (bullJob, error) => {
      if (bullJob) this.failed(name, bullJob, error, options);
    });
    this.workers.push(worker);
  }

  private async process(
    bullJob: BullJob,
    run: (job: Job<unknown>) => Promise<void>,
    token?: string,
  ): Promise<void> {
    const job: Job<unknown> = {
      data: bullJob.data,
      attempt: bullJob.attemptsMade + 1,
      update: async (data) => {
        await bullJob.updateData(data);
        job.data = data;
      },
    };
    try {
      await run(job);
    } catch (error) {
      // Back to delayed, same job (its deduplication id holds), no attempt used.
      if (error instanceof DeferJobError) {
        this.logger.info({ job: bullJob.name, id: bullJob.id, why: error.message }, "job deferred");
        await bullJob.moveToDelayed(error.until.getTime(), token);
        throw new DelayedError();
      }
      // BullMQ only knows UnrecoverableError; keep the original as `cause` for onGiveUp.
      if (error instanceof PermanentJobError) {
        throw Object.assign(new UnrecoverableError(error.message), { cause: error });
      }
      throw error instanceof Error ? error : new Error(String(error));
    }
  }

  /** The worker's `failed` event fires after every failed run; only the last one gives up. */
  private failed(name: string, bullJob: BullJob, error: Error, options: WorkerOptions<unknown>): void {
    const unrecoverable = error instanceof UnrecoverableError || error.name === "UnrecoverableError";
    const attempt = bullJob.attemptsMade; // already counts the run that just failed
    const log = { job: name, id: bullJob.id, attempt, err: error.message }; // never the data
    if (!unrecoverable && attempt < (bullJob.opts.attempts ?? 1)) {
      this.logger.warn({ ...log, delayMs: backoffDelay(options, attempt) }, "job failed, will retry");
      return;
    }
    this.logger.error(log, "job gave up");
    if (!options.onGiveUp) return;
    const original = unrecoverable && error.cause !== undefined ? error.cause : error;
    const giveUp = options.onGiveUp(bullJob.data, original).catch((e: unknown) => {
      this.logger.error({ job: name, id: bullJob.id, err: errorText(e) }, "job give-up handler failed");
    });
    this.giveUps.add(giveUp);
    void giveUp.finally(() => this.giveUps.delete(giveUp));
  }

  private connect(role: string, overrides: Partial<RedisOptions>): Redis {
    const { url, ...rest } = this.options.connection;
    const options: RedisOptions = { ...rest, ...overrides, connectionName: `${this.options.prefix}:${role}` };
    const client = url ? new Redis(url, options) : new Redis(options);
    this.track(client, role);
    // BullMQ duplicates the worker connection for its blocking fetch; track those too.
    const duplicate = client.duplicate.bind(client);
    client.duplicate = ((override?: Partial<RedisOptions>) => {
      const copy = duplicate(override);
      this.track(copy, role);
      return copy;
    }) as Redis["duplicate"];
    return client;
  }

  private track(client: Redis, role: string): void {
    this.clients.add(client);
    client.on("error", (error: Error) => this.reportError(`redis ${role}`, error));
    client.on("ready", () => this.lastErrors.clear());
  }

  /** ioredis (and BullMQ after it) reports every failed reconnect: log each source's error once a streak. */
  private reportError(source: string, error: Error): void {
    if (this.lastErrors.get(source) === error.message) return;
    this.lastErrors.set(source, error.message);
    this.logger.warn({ source, err: error.message }, "job queue error");
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + (this.options.closeTimeoutMs ?? 15_000);
    // Workers first: they stop fetching and wait for running jobs (which may still enqueue).
    const workersClosed = await settleBy(
      Promise.allSettled(this.workers.map((worker) => worker.close())),
      deadline,
    );
    await settleBy(Promise.allSettled([...this.giveUps]), deadline);
    const queuesClosed = await settleBy(
      Promise.allSettled([...this.registrations.values()].map(({ queue }) => queue.close())),
      deadline,
    );
    if (!workersClosed || !queuesClosed) {
      this.logger.error("job queue did not close in time (Redis down?): dropping its connections");
    }
    // Our clients are shared with BullMQ, which leaves them open; quit them, or drop them if Redis is gone.
    await Promise.allSettled(
      [...this.clients].map(async (client) => {
        if (client.status === "end") return;
        if (client.status !== "ready" || !(await settleBy(client.quit(), Date.now() + 1000))) {
          client.disconnect();
        }
      }),
    );
  }
}

/** Waits for `promise` until `deadline`; true when it settled in time. */
async function settleBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
