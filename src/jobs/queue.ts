// The background-work port. Shaped like BullMQ (named queues, attempts, exponential backoff, a final
// give-up) so the Redis-backed implementation can replace the in-process one without touching callers.

export interface Job<T> {
  data: T;
  /** 1 on the first run. */
  attempt: number;
  /** Saves progress so a retry resumes where this run stopped (e.g. parts of an SMS batch already sent). */
  update(data: T): Promise<void>;
}

export interface WorkerOptions<T> {
  /** Total runs before giving up. */
  attempts: number;
  /** Delay before the second run; doubles on each further retry. */
  backoffMs: number;
  maxBackoffMs?: number;
  /** Called once after the last failed run. */
  onGiveUp?: (data: T, error: unknown) => Promise<void>;
}

export interface JobQueue {
  register<T>(name: string, run: (job: Job<T>) => Promise<void>, options: WorkerOptions<T>): void;
  /**
   * Adds a job. With `jobId`, a job of that id that is still waiting or running is not added again (so
   * several instances recovering the same purchase start one resolver, not several).
   */
  enqueue<T>(name: string, data: T, options?: { delayMs?: number; jobId?: string }): Promise<void>;
  /** Jobs waiting, delayed or running, per job name (read by the metrics scrape, never on a callback). */
  depth(): Promise<Record<string, number>>;
  /** Stops taking new runs and waits for the ones in progress. */
  close(): Promise<void>;
}

/**
 * Thrown by a job that cannot run until `until` (e.g. an SMS inside a do-not-disturb window): the job
 * runs again then, with its saved progress, without using up one of its attempts.
 */
export class DeferJobError extends Error {
  override name = "DeferJobError";
  constructor(
    message: string,
    readonly until: Date,
  ) {
    super(message);
  }
}

/** Thrown by a job that must not be retried (retrying cannot help). */
export class PermanentJobError extends Error {
  override name = "PermanentJobError";
}

export function backoffDelay(options: WorkerOptions<unknown>, attempt: number): number {
  const delay = options.backoffMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(delay, options.maxBackoffMs ?? Number.POSITIVE_INFINITY);
}
