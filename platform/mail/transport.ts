/**
 * Delivering one email: to the SMTP server of SMTP_URL (nodemailer), or,
 * without SMTP_URL (development only: production refuses to start without
 * it), as an `.eml` file under DATA_DIR/mail/ with its subject logged.
 *
 * Nothing here queues or retries: the sender that owns a queue (the users
 * subgraph's mail job) does, and calls `send` once per try.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { MailSettings } from '../config.ts';
import type { Logger } from '../log.ts';

/** One email, as built from a queue row. */
export interface OutgoingMail {
  /** Stable across retries: the Message-ID is `<id@marketplace>`, so a receiver can tell a duplicate. */
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** A notification's unsubscribe link (also sent as the List-Unsubscribe header). */
  unsubscribeUrl?: string | null;
}

export interface MailTransport {
  /** Resolves once the server accepted the email (or the file is written); rejects otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

/** How long an SMTP server may take to connect, greet, and answer (then the try fails and is retried later). */
const SMTP_TIMEOUT_MS = 15_000;

export function createMailTransport(settings: MailSettings, dataDir: string, log: Logger): MailTransport {
  const message = (m: OutgoingMail) => ({
    from: settings.from,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: `<${m.id}@marketplace>`,
    ...(m.unsubscribeUrl ? { list: { unsubscribe: m.unsubscribeUrl } } : {}),
  });
  if (settings.smtpUrl) {
    const smtp = nodemailer.createTransport(settings.smtpUrl, {
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    } as never);
    return {
      async send(m) {
        await smtp.sendMail(message(m));
      },
      close: () => smtp.close(),
    };
  }
  const dir = path.join(dataDir, 'mail');
  const files = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(m) {
      const info = await files.sendMail(message(m));
      await fs.mkdir(dir, { recursive: true });
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${m.id}.eml`);
      await fs.writeFile(file, info.message as Buffer);
      log.info('email written (no SMTP_URL)', { to: m.to, subject: m.subject, file });
    },
    close: () => files.close(),
  };
}
