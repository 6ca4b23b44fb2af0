/** `GET /health`: ready when every subgraph answers its own /health. */
import type { SubgraphName } from '../platform/config.ts';

export async function checkHealth(urls: Record<SubgraphName, string>, timeoutMs = 2000): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const results = await Promise.all(
    Object.entries(urls).map(async ([name, url]) => {
      try {
        const res = await fetch(url.replace(/\/graphql\/?$/, '') + '/health', { signal: AbortSignal.timeout(timeoutMs) });
        return [name, res.ok ? 'ok' : `HTTP ${res.status}`] as const;
      } catch {
        return [name, 'unreachable'] as const;
      }
    }),
  );
  const failing = Object.fromEntries(results.filter(([, s]) => s !== 'ok'));
  if (Object.keys(failing).length === 0) return { ok: true, body: { status: 'ok' } };
  return { ok: false, body: { status: 'unavailable', failing } };
}
