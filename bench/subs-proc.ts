/**
 * Child process: many graphql-ws (graphql-transport-ws) client sockets on one
 * gateway, each with connection_init authorization and one `messageAdded`
 * subscription. Reports when all are subscribed, then the receipt time of every
 * message whose body is "bench:<sent-at ms>": its latency from the request
 * (receipt - sent) and from its `createdAt` (receipt - createdAt).
 */
import WebSocket from 'ws';
import { onStop, tell } from './lib/proc.ts';

const sockets: WebSocket[] = [];
const latencies: number[] = [];
/** From the message's `createdAt` (stamped before its transaction) to receipt, by message (its body). */
const byMessage = new Map<string, number[]>();
/** Sockets this process terminated itself: their close is not counted. */
const terminated = new WeakSet<WebSocket>();
let received = 0;
let acked = 0;
let errors = 0;
let closed = 0;

const SUB = `subscription { messageAdded { id body createdAt } }`;

function open(url: string, token: string, id: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
    sockets.push(ws);
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve();
      }
    };
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: String(id), type: 'subscribe', payload: { query: SUB } }));
        acked++;
        // the gateway answers nothing until an event; consider it subscribed once sent
        setTimeout(finish, 0);
      } else if (m.type === 'next') {
        const added = m.payload?.data?.messageAdded;
        const body: string | undefined = added?.body;
        const at = body?.startsWith('bench:') ? Number(body.slice(6)) : NaN;
        if (Number.isFinite(at)) {
          const now = Date.now();
          latencies.push(now - at);
          const created = Date.parse(added.createdAt);
          if (Number.isFinite(created)) {
            let xs = byMessage.get(body!);
            if (!xs) byMessage.set(body!, (xs = []));
            xs.push(now - created);
          }
        }
        received++;
      } else if (m.type === 'error') {
        errors++;
      } else if (m.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      }
    });
    ws.on('error', () => {
      errors++;
      finish();
    });
    ws.on('close', () => {
      if (!terminated.has(ws)) closed++;
      finish();
    });
  });
}

/**
 * One socket, `cycles` times: subscribe, let the gateway open the upstream
 * subscription (`holdMs`), complete. Resolves when the last complete is sent.
 */
async function churn(url: string, token: string, cycles: number, holdMs: number): Promise<{ acked: boolean; nexts: number; errors: number }> {
  const ws = new WebSocket(url, 'graphql-transport-ws', { perMessageDeflate: false });
  let nexts = 0;
  let errs = 0;
  const acked = new Promise<boolean>((resolve) => {
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    ws.on('message', (raw) => {
      const m = JSON.parse(String(raw));
      if (m.type === 'connection_ack') resolve(true);
      else if (m.type === 'next') nexts++;
      else if (m.type === 'error') errs++;
      else if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    });
    ws.on('close', () => resolve(false));
  });
  if (!(await acked)) return { acked: false, nexts, errors: errs };
  for (let i = 0; i < cycles; i++) {
    ws.send(JSON.stringify({ id: `c${i}`, type: 'subscribe', payload: { query: SUB } }));
    await new Promise((r) => setTimeout(r, holdMs));
    ws.send(JSON.stringify({ id: `c${i}`, type: 'complete' }));
  }
  await new Promise((r) => setTimeout(r, 200));
  ws.close(1000);
  return { acked: true, nexts, errors: errs };
}

process.on('message', async (m: any) => {
  if (m?.type === 'churn') {
    tell({ type: 'churned', ...(await churn(m.url, m.token, m.cycles, m.holdMs ?? 2)) });
  } else if (m?.type === 'open') {
    const { url, tokens, count, concurrency = 200 } = m;
    let next = sockets.length;
    const end = sockets.length + count;
    const workers = Array.from({ length: concurrency }, async () => {
      while (next < end) {
        const i = next++;
        await open(url, tokens[i % tokens.length], i);
      }
    });
    await Promise.all(workers);
    tell({ type: 'opened', acked, errors, closed, sockets: sockets.length });
  } else if (m?.type === 'collect') {
    const messages = Object.fromEntries(byMessage);
    byMessage.clear();
    tell({ type: 'collected', latencies: latencies.splice(0), byMessage: messages, received, errors, closed, acked });
    received = 0;
  } else if (m?.type === 'close') {
    for (const s of sockets.splice(0)) {
      terminated.add(s);
      s.terminate();
    }
    acked = 0;
    closed = 0;
    errors = 0;
    tell({ type: 'closed' });
  }
});
tell({ type: 'ready' });
onStop(async () => {
  for (const s of sockets) s.terminate();
});
