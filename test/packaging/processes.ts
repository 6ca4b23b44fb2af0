import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const root = path.resolve(import.meta.dirname, '..', '..');

export interface Running {
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal?: NodeJS.Signals) => void;
}

/** Starts `node [preloads] --import tsx <args>` in the repository with only `env` (plus PATH and HOME). */
export function start(args: string[], env: Record<string, string>, preload: string[] = [], timeoutMs = 90_000): Running {
  const child = spawn(process.execPath, [...preload.flatMap((p) => ['--import', p]), '--import', 'tsx', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LOG_LEVEL: 'info', SEED: 'none', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { exited, stdout: () => stdout, stderr: () => stderr, kill: (signal = 'SIGTERM') => child.kill(signal) };
}

export { freePort } from '../helpers/net.ts';

/** Waits until `check` is true, polling every 100 ms, or throws after `ms`. */
export async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
