/**
 * Faults on the path between an orders instance and catalog, for the checkout
 * recovery tests:
 *
 *   const proxy = await startFaultProxy(t.stack.urls.catalog);
 *   const orders = await startOrdersInstance(t, { catalog: proxy.url });   // a second orders instance behind the proxy
 *   const held = proxy.hold('reserveStock', { nth: 2, after: 'answer' });  // catalog reserves; the answer is held
 *   await held.arrived; ... held.release();
 *   proxy.refuse('removeCartLines');                                       // the connection is cut, as for a dead catalog
 *
 * Every other request passes through unchanged.
 */
import http from 'node:http';
import { createLogger } from '../../platform/log.ts';
import type { SubgraphName } from '../../platform/config.ts';
import { startSubgraph, type RunningSubgraph } from '../../subgraphs/runtime.ts';
import type { TestStack } from './stack.ts';

export interface Held {
  /** Resolves when the request arrived (after: 'request') or catalog answered it (after: 'answer'). */
  arrived: Promise<void>;
  /** Let it go on: forward the request, or deliver the answer. */
  release(): void;
}

export interface FaultProxy {
  url: string;
  /** Requests per internal operation so far. */
  counts: Record<string, number>;
  /** Hold the `nth` call of `operation` (1-based), before forwarding it or after catalog answered it. */
  hold(operation: string, opts: { nth?: number; after: 'request' | 'answer' }): Held;
  /** Cut the connection of every call of `operation` until `pass`. */
  refuse(operation: string): void;
  pass(operation: string): void;
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const t = new URL(target);
  const counts: Record<string, number> = {};
  const refused = new Set<string>();
  const holds: { operation: string; nth: number; after: 'request' | 'answer'; arrived: () => void; released: Promise<void> }[] = [];

  const forward = (req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer } | null> =>
    new Promise((resolve) => {
      const up = http.request({ host: t.hostname, port: t.port, path: req.url, method: req.method, headers: { ...req.headers, host: t.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', () => resolve(null));
      });
      up.on('error', () => resolve(null));
      up.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const operation = /\/internal\/([A-Za-z]+)/.exec(req.url ?? '')?.[1] ?? '';
      const n = operation ? (counts[operation] = (counts[operation] ?? 0) + 1) : 0;
      if (refused.has(operation)) {
        req.socket.destroy();
        return;
      }
      const hold = holds.find((h) => h.operation === operation && h.nth === n);
      if (hold?.after === 'request') {
        hold.arrived();
        await hold.released;
      }
      const answer = await forward(req, Buffer.concat(chunks));
      if (hold?.after === 'answer') {
        hold.arrived();
        await hold.released;
      }
      if (res.destroyed) return;
      if (!answer) res.writeHead(502).end();
      else res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    counts,
    hold(operation, opts) {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedP = new Promise<void>((r) => (arrived = r));
      const released = new Promise<void>((r) => (release = r));
      holds.push({ operation, nth: opts.nth ?? 1, after: opts.after, arrived, released });
      return { arrived: arrivedP, release };
    },
    refuse: (operation) => void refused.add(operation),
    pass: (operation) => void refused.delete(operation),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * Another orders instance on the test stack's database and event bus, in this
 * process, reaching the other subgraphs at `urls` (e.g. catalog through a proxy).
 */
export function startOrdersInstance(t: TestStack, urls: Partial<Record<SubgraphName, string>>): Promise<RunningSubgraph> {
  return startSubgraph('orders', {
    config: t.config,
    keys: t.keys,
    secret: t.stack.secret,
    clock: t.clock,
    log: createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'),
    port: 0,
    pglite: t.pglite,
    bus: t.stack.bus,
    urls: { ...t.stack.urls, ...urls },
  });
}
