/**
 * A real SMTP server in the test process (smtp-server), which parses every
 * email it accepts (mailparser), for tests of what the system emails:
 *
 *   const smtp = await startSmtp();            // SMTP_URL: smtp.url
 *   const mail = await smtp.next((m) => m.to === email);
 *   await smtp.stop(); await smtp.start();     // down, then up again on the same port
 */
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { freePort } from './net.ts';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
  /** The List-Unsubscribe header's URL, when there is one. */
  listUnsubscribe?: string;
}

export interface TestSmtp {
  url: string;
  received: ReceivedMail[];
  /** The first email (already received or arriving within `ms`) that `match` accepts. */
  next(match: (m: ReceivedMail) => boolean, ms?: number): Promise<ReceivedMail>;
  /** Every email received so far that `match` accepts. */
  all(match: (m: ReceivedMail) => boolean): ReceivedMail[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const port = await freePort();
  const received: ReceivedMail[] = [];
  let server: SMTPServer | undefined;
  const smtp: TestSmtp = {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async next(match, ms = 15_000) {
      const end = Date.now() + ms;
      for (;;) {
        const found = received.find(match);
        if (found) return found;
        if (Date.now() > end) throw new Error(`no such email within ${ms} ms; received: ${JSON.stringify(received.map((m) => [m.to, m.subject]))}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    all: (match) => received.filter(match),
    async start() {
      server = new SMTPServer({
        authOptional: true,
        disabledCommands: ['AUTH', 'STARTTLS'],
        logger: false,
        onData(stream, _session, callback) {
          simpleParser(stream).then(
            (m) => {
              const to = Array.isArray(m.to) ? m.to[0] : m.to;
              // mailparser gathers the List-* headers under "list"
              const unsub = (m.headers.get('list') as { unsubscribe?: { url?: string } } | undefined)?.unsubscribe;
              received.push({
                to: to?.value[0]?.address ?? '',
                from: m.from?.text ?? '',
                subject: m.subject ?? '',
                text: m.text ?? '',
                html: typeof m.html === 'string' ? m.html : '',
                messageId: m.messageId ?? '',
                listUnsubscribe: unsub?.url,
              });
              callback();
            },
            (err: Error) => callback(err),
          );
        },
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
  await smtp.start();
  return smtp;
}

/** The one-time code in an email's text (8 characters on a line of its own). */
export function codeIn(mail: ReceivedMail): string {
  const m = /^\s+([A-Z0-9]{8})\s*$/m.exec(mail.text);
  if (!m) throw new Error(`no code in: ${mail.text}`);
  return m[1];
}
