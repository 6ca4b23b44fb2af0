/** Ports and health for tests that start processes of their own. */
import net from 'node:net';

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200 (its response), or throws after `ms`. */
export async function waitHealthy(url: string, ms = 90_000): Promise<Response> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.status === 200) return res;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`not healthy: ${url}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
