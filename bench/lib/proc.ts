/**
 * Child processes for the benchmark: each gateway, the subgraphs and the load
 * generators run in a process of their own (own event loop, own RSS), started
 * with tsx and talking to the orchestrator over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Next message of the given type (rejects if the child exits first). */
  next<T = any>(type: string, timeoutMs?: number): Promise<T>;
  send(msg: unknown): void;
  rssBytes(): number;
  /** RSS after a full garbage collection in the child (children started here run with --expose-gc). */
  settledRss(): Promise<number>;
  /** The child's V8 heap in use after a full garbage collection, in bytes. */
  settledHeap(): Promise<number>;
  /** Start a CPU profile of the child now (a window: `stopProfile` writes it). */
  startProfile(): Promise<void>;
  /** Stop the window's CPU profile and write it to `file` (.cpuprofile). */
  stopProfile(file: string): Promise<void>;
  stop(): Promise<void>;
}

export function startChild(script: string, env: Record<string, string | undefined> = {}, opts: { cpuProf?: string; benchDir?: string } = {}): Child {
  const execArgv = ['--import', 'tsx', '--max-old-space-size=4096', '--expose-gc'];
  if (opts.cpuProf) execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`);
  const proc = fork(path.join(opts.benchDir ?? BENCH_DIR, script), [], {
    execArgv,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: { type: string; resolve: (m: any) => void; reject: (e: Error) => void }[] = [];
  const inbox: any[] = [];
  let exited: Error | undefined;
  proc.on('message', (m: any) => {
    const i = waiting.findIndex((w) => w.type === m?.type);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(m);
    else inbox.push(m);
  });
  proc.on('exit', (code) => {
    exited = new Error(`${script} exited (${code})`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  return {
    proc,
    pid: proc.pid!,
    next(type, timeoutMs = 300_000) {
      const i = inbox.findIndex((m) => m?.type === type);
      if (i >= 0) return Promise.resolve(inbox.splice(i, 1)[0]);
      if (exited) return Promise.reject(exited);
      return new Promise((resolve, reject) => {
        const w = { type, resolve, reject };
        const t = setTimeout(() => {
          waiting.splice(waiting.indexOf(w), 1);
          reject(new Error(`${script}: no "${type}" within ${timeoutMs} ms`));
        }, timeoutMs);
        w.resolve = (m) => (clearTimeout(t), resolve(m));
        w.reject = (e) => (clearTimeout(t), reject(e));
        waiting.push(w);
      });
    },
    send(msg) {
      proc.send(msg as any);
    },
    rssBytes() {
      return rssOf(proc.pid!);
    },
    async settledRss() {
      proc.send({ type: 'gc' });
      await this.next('gc-done', 30_000);
      return rssOf(proc.pid!);
    },
    async settledHeap() {
      proc.send({ type: 'gc' });
      return (await this.next('gc-done', 30_000)).heapUsed;
    },
    async startProfile() {
      proc.send({ type: 'profile-start' });
      await this.next('profile-started', 30_000);
    },
    async stopProfile(file) {
      proc.send({ type: 'profile-stop', file });
      await this.next('profile-stopped', 120_000);
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode) return;
      const done = new Promise((r) => proc.once('exit', r));
      proc.send({ type: 'stop' });
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Resident set size of a process, from /proc (Linux); 0 elsewhere. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux); 0 elsewhere. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}

/** CPU time used so far by a process and every process under it (a supervisor and its children), in ms. */
export function cpuMsOfTree(pid: number): number {
  const parent = new Map<number, number>();
  try {
    for (const e of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      try {
        const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
        parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return cpuMsOf(pid);
  }
  let total = 0;
  for (const p of parent.keys()) {
    for (let q: number | undefined = p; q !== undefined && q > 1; q = parent.get(q)) {
      if (q === pid) {
        total += cpuMsOf(p);
        break;
      }
    }
  }
  return total;
}

/** CPU time used so far by every process whose name is `name` (e.g. all of PostgreSQL's), in ms. */
export function cpuMsOfAll(name: string): number {
  let total = 0;
  let entries: string[] = [];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/comm`, 'utf8').trim() === name) total += cpuMsOf(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}

/** In a child: send a message to the orchestrator. */
export function tell(msg: unknown): void {
  process.send?.(msg as any);
}

/** In a child: run `stop` and exit when the orchestrator says so (or disconnects). */
export function onStop(stop: () => Promise<void>): void {
  let stopping = false;
  const go = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('message', (m: any) => {
    if (m?.type === 'stop') void go();
    // a full collection before the orchestrator samples RSS (memory per idle subscription)
    if (m?.type === 'gc') {
      (globalThis as { gc?: () => void }).gc?.();
      setTimeout(() => {
        (globalThis as { gc?: () => void }).gc?.();
        tell({ type: 'gc-done', heapUsed: process.memoryUsage().heapUsed });
      }, 200);
    }
  });
  process.on('disconnect', () => void go());
  // the soak (bench/soak.ts): this process's memory, optionally after a full collection, and a heap snapshot
  process.on('message', (m: any) => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (m?.type === 'mem') {
      if (m.gc) {
        gc?.();
        gc?.();
      }
      tell({ type: 'mem', memory: process.memoryUsage() });
    }
    if (m?.type === 'snapshot') {
      gc?.();
      fs.mkdirSync(path.dirname(m.file), { recursive: true });
      tell({ type: 'snapshot', file: v8.writeHeapSnapshot(m.file) });
    }
  });
  // a CPU profile of a window (e.g. the delivery of one message to every subscriber), not of the whole run
  let session: Session | undefined;
  process.on('message', (m: any) => {
    if (m?.type === 'profile-start') {
      session = new Session();
      session.connect();
      session.post('Profiler.enable', () =>
        session!.post('Profiler.setSamplingInterval', { interval: 200 }, () => session!.post('Profiler.start', () => tell({ type: 'profile-started' }))),
      );
    }
    if (m?.type === 'profile-stop' && session) {
      const s = session;
      session = undefined;
      s.post('Profiler.stop', (err, r) => {
        if (!err) {
          fs.mkdirSync(path.dirname(m.file), { recursive: true });
          fs.writeFileSync(m.file, JSON.stringify(r.profile));
        }
        s.disconnect();
        tell({ type: 'profile-stopped', error: err ? String(err) : undefined });
      });
    }
  });
}
