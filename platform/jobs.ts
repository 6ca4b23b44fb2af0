/**
 * Background jobs: a function run every `everyMs`, never twice at once in one
 * process (single flight), woken early with `kick()`, stopped cleanly.
 *
 * A job may run in several instances of a subgraph at the same time: it must
 * claim its work itself (`FOR UPDATE SKIP LOCKED`, or one conditional UPDATE).
 * A run that throws is logged and tried again at the next interval.
 */
import type { Logger } from './log.ts';

export interface Job {
  /** For logs. */
  name: string;
  /** Interval between runs, in milliseconds. */
  everyMs: number;
  run(): Promise<unknown>;
  /**
   * Set by `startJob`: run now instead of at the next interval (a service
   * calls it after a commit that made work due). Before the job starts, and
   * after it stops, it does nothing.
   */
  kick?: () => Promise<void>;
}

export interface RunningJob {
  /** Run now (joins a run in progress instead of starting a second one). */
  kick(): Promise<void>;
  /** No new runs; waits for the one in progress. */
  stop(): Promise<void>;
}

export function startJob(job: Job, log: Logger): RunningJob {
  let running: Promise<void> | undefined;
  let stopped = false;
  const runOnce = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) return running;
    running = (async () => {
      try {
        await job.run();
      } catch (err) {
        if (!stopped) log.error(`${job.name} failed; trying again at the next interval`, { err });
      } finally {
        running = undefined;
      }
    })();
    return running;
  };
  const timer = setInterval(() => void runOnce(), job.everyMs);
  timer.unref();
  job.kick = runOnce;
  return {
    kick: runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
