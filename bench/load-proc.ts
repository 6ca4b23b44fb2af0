/**
 * Child process: HTTP load with autocannon against one gateway.
 * Input (IPC "run"): { url, bodies: string[], tokens: string[], connections, duration, warmup }
 *   - each request takes the next body (round robin: a mix);
 *   - tokens: one for identical requests; many: a distinct authorization per request.
 * Output (IPC "result"): autocannon's numbers plus GraphQL error count.
 */
import { createRequire } from 'node:module';
import { onStop, tell } from './lib/proc.ts';

// no type declarations ship with autocannon
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: unknown, cb: (err: Error | null, res: any) => void) => unknown;

interface Run {
  url: string;
  bodies: string[];
  tokens: string[];
  connections: number;
  duration: number;
}

function once(r: Run): Promise<any> {
  let n = 0;
  let gqlErrors = 0;
  let checked = 0;
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: r.url,
        method: 'POST',
        connections: r.connections,
        duration: r.duration,
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest(req: any) {
              const i = n++;
              const token = r.tokens[i % r.tokens.length];
              return {
                ...req,
                method: 'POST',
                body: r.bodies[i % r.bodies.length],
                headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
              };
            },
            onResponse(status: number, body: string) {
              // sample bodies for GraphQL errors (parsing all would load the generator)
              if (checked++ % 10 === 0 && (status !== 200 || body.includes('"errors"'))) gqlErrors += 10;
            },
          },
        ],
      },
      (err: Error | null, res: any) => (err ? reject(err) : resolve({ res, gqlErrors, checked })),
    );
    void inst;
  });
}

process.on('message', async (m: any) => {
  if (m?.type !== 'run') return;
  try {
    const { res, gqlErrors, checked } = await once(m.run as Run);
    tell({
      type: 'result',
      result: {
        rps: res.requests.average,
        requests: res.requests.total,
        p50: res.latency.p50,
        p90: res.latency.p90,
        p99: res.latency.p99,
        // autocannon's histogram has no p95: p97.5 is the nearest it reports
        p97_5: res.latency.p97_5,
        max: res.latency.max,
        mean: res.latency.average,
        errors: res.errors + res.timeouts + res.non2xx,
        non2xx: res.non2xx,
        timeouts: res.timeouts,
        gqlErrorsEstimate: Math.min(gqlErrors, checked),
        duration: res.duration,
      },
    });
  } catch (err) {
    tell({ type: 'result', error: String(err) });
  }
});
tell({ type: 'ready' });
onStop(async () => {});
