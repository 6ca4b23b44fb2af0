/**
 * The repository's own entry points (subgraphs/index.ts <name>, gateway/index.ts)
 * as child processes, for tests that start, kill and stop them: the crash tests
 * and the separate-processes test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');

/** The environment such a process starts from: only this one's PATH and HOME, no demo data, errors only, on 127.0.0.1; `env` adds or overrides. */
export function processEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), SEED: 'none', LOG_LEVEL: 'error', HOST: '127.0.0.1', ...env };
}

/** Resolves once `child` has exited (at once if it already has). */
export const exited = (child: ChildProcess): Promise<unknown> =>
  new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));

/** The processes one test started; `stop` ends those still running. */
export class Processes {
  private readonly running = new Set<ChildProcess>();
  /** Everything the processes wrote to stderr. */
  stderr = '';

  /** Starts `node --import tsx <args>` in the repository with exactly `env`. */
  start(args: string[], env: Record<string, string>): ChildProcess {
    const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    return child;
  }

  /** Waits until `url` answers 200; throws (with the processes' stderr) when `child` exits first or after `ms`. */
  async ready(child: ChildProcess, url: string, ms = 90_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const ok = await fetch(url).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > end) {
        throw new Error(`${url} did not become healthy (process ${child.exitCode !== null ? `exited ${child.exitCode}` : 'still starting'}): ${this.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Sends `signal` to `child` and waits until it has exited. */
  async kill(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    child.kill(signal);
    await exited(child);
  }

  /** Ends every process still running: SIGTERM (they drain), SIGKILL for any still there after `graceMs`; or SIGKILL at once. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', graceMs = 15_000): Promise<void> {
    const children = [...this.running];
    for (const c of children) c.kill(signal);
    const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), graceMs);
    await Promise.all(children.map(exited));
    clearTimeout(timer);
  }
}
