/**
 * Child process: the floor for subscription fan-out on this machine. A bare
 * `ws` server speaking just enough graphql-transport-ws (ack, subscribe,
 * ping) to the same subscriber process, with no GraphQL, no subgraph and no
 * database: told to `broadcast`, it sends one `next` frame carrying
 * `messageAdded { id body }` to every subscription, one JSON encoding and one
 * socket write per subscriber, as any single-process gateway must at least.
 * Delivery latency through it is what the machine itself costs (the
 * subscriber process included); the gateway's own cost is the rest.
 */
import { WebSocketServer, type WebSocket } from 'ws';
import { onStop, tell } from './lib/proc.ts';

const subscriptions: { socket: WebSocket; id: string }[] = [];
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });

server.on('connection', (socket) => {
  socket.on('message', (raw) => {
    let m: { type?: string; id?: string };
    try {
      m = JSON.parse(String(raw));
    } catch {
      socket.close(4400, 'Invalid message');
      return;
    }
    if (m.type === 'connection_init') socket.send(JSON.stringify({ type: 'connection_ack' }));
    else if (m.type === 'subscribe' && m.id) subscriptions.push({ socket, id: m.id });
    else if (m.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    else if (m.type === 'complete') {
      const i = subscriptions.findIndex((s) => s.socket === socket && s.id === m.id);
      if (i >= 0) subscriptions.splice(i, 1);
    }
  });
  socket.on('close', () => {
    for (let i = subscriptions.length - 1; i >= 0; i--) if (subscriptions[i].socket === socket) subscriptions.splice(i, 1);
  });
});

let seq = 0;
process.on('message', (m: any) => {
  if (m?.type === 'broadcast') {
    const data = { messageAdded: { id: `floor-${++seq}`, body: m.body, createdAt: new Date().toISOString() } };
    for (const s of subscriptions) s.socket.send(JSON.stringify({ id: s.id, type: 'next', payload: { data } }));
    tell({ type: 'broadcasted', subscribers: subscriptions.length });
  }
});

await new Promise<void>((resolve) => server.once('listening', resolve));
const port = (server.address() as { port: number }).port;
tell({ type: 'ready', url: `ws://127.0.0.1:${port}/graphql` });
onStop(async () => {
  for (const c of server.clients) c.terminate();
  await new Promise((r) => server.close(r));
});
