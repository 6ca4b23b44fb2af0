/**
 * Email out of the users subgraph (it knows the addresses and the settings):
 * an email is a row of `users.mail_queue`, written in the transaction that
 * decides to send it (a code issued, an event handled), so it exists exactly
 * when that committed. The mail job sends what is due after commit, through
 * platform/mail (SMTP, or .eml files in development), and retries a failed try
 * with exponential backoff (1 s, 2 s, 4 s … at most MAIL_RETRY_MAX_MS) until the
 * server takes it: nothing is lost while the SMTP server is down. Each try is
 * counted in the metrics (platform/mail/metrics.ts, `GET /metrics`).
 */
import crypto from 'node:crypto';
import type { Executor } from '../../../platform/db.ts';
import type { Job } from '../../../platform/jobs.ts';
import { MailMetrics } from '../../../platform/mail/metrics.ts';
import { createMailTransport, type MailTransport } from '../../../platform/mail/transport.ts';
import * as mq from '../db/queries-mail.ts';
import type { MailRow, NewMail } from '../db/schema.ts';
import type { Deps } from './common.ts';

/** Emails claimed per round of the job. */
const BATCH = 20;
/** How long a sender holds a claimed email (longer than an SMTP try can take): if it dies, the email falls due again then. */
const LEASE_MS = 2 * 60 * 1000;
const FIRST_RETRY_MS = 1000;

export class Mailer {
  readonly metrics: MailMetrics;
  readonly job: Job;
  private readonly transport: MailTransport;

  constructor(private readonly deps: Deps) {
    this.transport = createMailTransport(deps.config.mail, deps.config.dataDir, deps.log);
    this.metrics = new MailMetrics(async () => {
      const { pending, oldest } = await mq.pendingMail(deps.db.drizzle);
      return { pending, oldestPendingSeconds: oldest ? Math.max(0, (deps.clock.now().getTime() - oldest.getTime()) / 1000) : 0 };
    });
    this.job = { name: 'users mail', everyMs: deps.config.mail.intervalMs, run: () => this.sendDue() };
  }

  /** Queues an email in the caller's transaction (once per key); send it after commit with `kick`. */
  enqueue(tx: Executor, mail: NewMail): Promise<boolean> {
    return mq.enqueueMail(tx, mail, this.deps.clock.now());
  }

  /** After a commit that queued mail: send now rather than at the next interval. */
  kick(): void {
    void this.job.kick?.();
  }

  /** Sends every email that is due, a batch at a time; a failed try is scheduled again with backoff. */
  async sendDue(): Promise<void> {
    for (;;) {
      const now = this.deps.clock.now();
      const batch = await mq.claimDueMail(this.deps.db.drizzle, now, new Date(now.getTime() + LEASE_MS), BATCH);
      if (!batch.length) return;
      await Promise.all(batch.map((m) => this.sendOne(m)));
    }
  }

  private async sendOne(m: MailRow): Promise<void> {
    try {
      await this.transport.send({ id: m.id, to: m.toAddress, subject: m.subject, text: m.textBody, html: m.htmlBody, unsubscribeUrl: m.unsubscribeUrl });
    } catch (err) {
      this.metrics.failures.inc();
      const delay = Math.min(FIRST_RETRY_MS * 2 ** Math.min(m.attempts - 1, 30), this.deps.config.mail.retryMaxMs);
      const jittered = delay / 2 + crypto.randomInt(Math.max(1, Math.floor(delay / 2)));
      const message = err instanceof Error ? err.message : String(err);
      this.deps.log.warn('email not sent; trying again later', { mailId: m.id, attempts: m.attempts, retryInMs: jittered, error: message });
      await mq.markMailFailed(this.deps.db.drizzle, m.id, new Date(this.deps.clock.now().getTime() + jittered), message);
      return;
    }
    this.metrics.sent.inc();
    // Accepted by the server: a failure to record it (the database down) sends it again at the lease's end (at least once).
    await mq.markMailSent(this.deps.db.drizzle, m.id, this.deps.clock.now());
  }

  close(): void {
    this.transport.close();
  }
}
