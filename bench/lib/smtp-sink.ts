/**
 * An SMTP server that accepts every email and drops it: production settings
 * (which the bench runs) require SMTP_URL since the users subgraph emails codes
 * and notifications. The bench's checkouts send real notification emails
 * through it, so their cost stays in what is measured.
 */
import net from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  url: string;
  /** Emails accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let count = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => {
        count++;
        callback();
      });
      stream.resume();
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = ((server as unknown as { server: net.Server }).server.address() as net.AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted: () => count,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
