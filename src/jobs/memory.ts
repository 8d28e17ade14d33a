import type { Logger } from "../log.js";
import {
  backoffDelay,
  DeferJobError,
  type Job,
  type JobQueue,
  PermanentJobError,
  type WorkerOptions,
} from "./queue.js";

interface Worker {
  run: (job: Job<unknown>) => Promise<void>;
  options: WorkerOptions<unknown>;
}

/** Background work in this process: lost if the process dies (use Redis for durability). */
export class MemoryJobQueue implements JobQueue {
  private readonly workers = new Map<string, Worker>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  /** Ids of jobs waiting or running, for de-duplication. */
  private readonly pendingIds = new Set<string>();
  private closed = false;
  /** Jobs scheduled or running, per name. */
  private readonly pending = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  register<T>(name: string, run: (job: Job<T>) => Promise<void>, options: WorkerOptions<T>): void {
    this.workers.set(name, { run: run as Worker["run"], options: options as WorkerOptions<unknown> });
  }

  async enqueue<T>(name: string, data: T, options: { delayMs?: number; jobId?: string } = {}): Promise<void> {
    if (!this.workers.has(name)) throw new Error(`no worker registered for job ${name}`);
    if (options.jobId) {
      const key = `${name}/${options.jobId}`;
      if (this.pendingIds.has(key)) return;
      this.pendingIds.add(key);
    }
    this.schedule(name, structuredClone(data), 1, options.delayMs ?? 0, options.jobId);
  }

  async depth(): Promise<Record<string, number>> {
    return Object.fromEntries([...this.workers.keys()].map((name) => [name, this.pending.get(name) ?? 0]));
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  private forget(name: string, jobId: string | undefined): void {
    if (jobId) this.pendingIds.delete(`${name}/${jobId}`);
  }

  private schedule(name: string, data: unknown, attempt: number, delayMs: number, jobId?: string): void {
    if (this.closed) return;
    this.pending.set(name, (this.pending.get(name) ?? 0) + 1);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      const run = this.runOnce(name, data, attempt, jobId);
      this.running.add(run);
      void run.finally(() => {
        this.running.delete(run);
        this.pending.set(name, (this.pending.get(name) ?? 1) - 1);
      });
    }, delayMs);
    this.timers.add(timer);
  }

  private async runOnce(name: string, initial: unknown, attempt: number, jobId?: string): Promise<void> {
    const worker = this.workers.get(name) as Worker;
    let data = initial;
    const job: Job<unknown> = {
      data,
      attempt,
      update: async (next) => {
        data = structuredClone(next);
        job.data = data;
      },
    };
    try {
      await worker.run(job);
      this.forget(name, jobId);
    } catch (error) {
      if (error instanceof DeferJobError && !this.closed) {
        const delay = Math.max(0, error.until.getTime() - Date.now());
        this.logger.info({ job: name, attempt, delayMs: delay, why: error.message }, "job deferred");
        this.schedule(name, data, attempt, delay, jobId);
        return;
      }
      const permanent = error instanceof PermanentJobError;
      if (!permanent && attempt < worker.options.attempts && !this.closed) {
        const delay = backoffDelay(worker.options, attempt);
        this.logger.warn(
          { job: name, attempt, delayMs: delay, err: errorText(error) },
          "job failed, will retry",
        );
        this.schedule(name, data, attempt + 1, delay, jobId);
        return;
      }
      this.forget(name, jobId);
      if (this.closed && !permanent && attempt < worker.options.attempts) return;
      this.logger.error({ job: name, attempt, err: errorText(error) }, "job gave up");
      await worker.options.onGiveUp?.(data, error).catch((e: unknown) => {
        this.logger.error({ job: name, err: errorText(e) }, "job give-up handler failed");
      });
    }
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
