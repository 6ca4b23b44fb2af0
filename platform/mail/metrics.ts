/**
 * The mail queue's numbers, in the Prometheus text format (prom-client): served
 * by the subgraph that sends mail at `GET /metrics` (behind the subgraph
 * secret, platform/server.ts):
 *
 * - `mail_sent_total`: emails the SMTP server (or the .eml writer) accepted;
 * - `mail_send_failures_total`: tries that failed (each is retried with backoff);
 * - `mail_queue_pending`: emails not yet sent, read from the queue at each scrape;
 * - `mail_queue_oldest_pending_seconds`: age of the oldest of them (0 when none).
 */
import { Counter, Gauge, Registry } from 'prom-client';

export interface QueueState {
  pending: number;
  oldestPendingSeconds: number;
}

export class MailMetrics {
  readonly registry = new Registry();
  readonly sent = new Counter({ name: 'mail_sent_total', help: 'Emails accepted by the mail server.', registers: [this.registry] });
  readonly failures = new Counter({
    name: 'mail_send_failures_total',
    help: 'Tries to send an email that failed (retried with backoff).',
    registers: [this.registry],
  });

  constructor(queueState: () => Promise<QueueState>) {
    let last: Promise<QueueState> | undefined;
    // one read of the queue per scrape serves both gauges
    const state = () => (last ??= queueState().finally(() => setTimeout(() => (last = undefined), 0)));
    new Gauge({
      name: 'mail_queue_pending',
      help: 'Emails waiting to be sent (-1: queue unreadable).',
      registers: [this.registry],
      async collect() {
        this.set(
          await state().then(
            (s) => s.pending,
            () => -1,
          ),
        );
      },
    });
    new Gauge({
      name: 'mail_queue_oldest_pending_seconds',
      help: 'Age of the oldest email waiting to be sent.',
      registers: [this.registry],
      async collect() {
        this.set(
          await state().then(
            (s) => s.oldestPendingSeconds,
            () => 0,
          ),
        );
      },
    });
  }

  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
