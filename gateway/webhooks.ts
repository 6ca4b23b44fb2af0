/**
 * Payment provider webhooks on the gateway's port: `POST /webhooks/stripe`.
 *
 * The gateway does not judge the event: it forwards the raw body and the
 * signature header to the orders subgraph (internal `providerWebhook`, behind
 * the subgraph secret), which owns payments and the provider's secret
 * (STRIPE_WEBHOOK_SECRET): it verifies the signature, drops replays and
 * processes each event once (docs/payments.md). Its answer goes back to the
 * provider: 200 processed (or a duplicate), 400 a signature that does not
 * verify; 503 when orders cannot be reached, so the provider delivers again.
 */
import type http from 'node:http';
import type { SubgraphName } from '../platform/config.ts';
import { readBody, sendJson } from '../platform/http.ts';
import { InternalClient } from '../platform/internal.ts';
import type { Logger } from '../platform/log.ts';

/** Providers whose webhooks are taken, with the header that carries the signature. */
const PROVIDERS: Record<string, string> = { stripe: 'stripe-signature' };

export interface Webhooks {
  /** Answers the request when it is a webhook (true), else leaves it (false). */
  handle(req: http.IncomingMessage, res: http.ServerResponse, pathname: string, requestId: string): Promise<boolean>;
}

export function createWebhooks(opts: { urls: Record<SubgraphName, string>; secret: string; log: Logger; maxBodyBytes: number }): Webhooks {
  const internal = new InternalClient(opts.urls, opts.secret);
  return {
    async handle(req, res, pathname, requestId) {
      const m = /^\/webhooks\/([a-z]+)$/.exec(pathname);
      if (!m) return false;
      const header = PROVIDERS[m[1]];
      if (!header) {
        sendJson(res, 404, { error: 'not found' });
        return true;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'POST only' }, { allow: 'POST' });
        return true;
      }
      const payload = await readBody(req, opts.maxBodyBytes);
      const signature = req.headers[header];
      let answer: { status: number; body: unknown } | null;
      try {
        answer = await internal.call(
          'orders',
          'providerWebhook',
          { provider: m[1], payload, signature: typeof signature === 'string' ? signature : null },
          requestId,
        );
      } catch (err) {
        opts.log.warn('payment webhook not delivered to orders; the provider will retry', { err, requestId });
        sendJson(res, 503, { error: 'try again later' });
        return true;
      }
      sendJson(res, answer?.status === 200 || answer?.status === 400 ? answer.status : 500, answer?.body ?? { error: 'no answer' });
      return true;
    },
  };
}
