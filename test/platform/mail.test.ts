/**
 * platform/mail without SMTP_URL (development): each email becomes an .eml
 * file under DATA_DIR/mail/ and its subject is logged; with SMTP_URL it goes to
 * that server (the users tests receive it on a real SMTP server).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.ts';
import { createLogger } from '../../platform/log.ts';
import { composeMail } from '../../platform/mail/compose.ts';
import { createMailTransport } from '../../platform/mail/transport.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-mail-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('email without SMTP_URL', () => {
  it('is written as an .eml file under DATA_DIR/mail with plain text, escaped HTML and the unsubscribe header, and its subject is logged', async () => {
    const config = loadConfig({ DATA_DIR: dir, MAIL_FROM: 'Shop <shop@example.test>' });
    const lines: string[] = [];
    const transport = createMailTransport(
      config.mail,
      config.dataDir,
      createLogger('info', {}, (l) => lines.push(l)),
    );
    const body = composeMail({
      greeting: 'Hello <Ada>,',
      paragraphs: ['Your order shipped.'],
      unsubscribeUrl: 'https://shop.example/unsubscribe?token=abc',
      unsubscribeWhat: 'emails about your orders',
    });
    await transport.send({
      id: '6f1c2d9e-0000-4000-8000-000000000001',
      to: 'ada@example.test',
      subject: 'Your order has shipped',
      ...body,
      unsubscribeUrl: 'https://shop.example/unsubscribe?token=abc',
    });
    transport.close();

    const files = fs.readdirSync(path.join(dir, 'mail'));
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/\.eml$/);
    const mail = await simpleParser(fs.readFileSync(path.join(dir, 'mail', files[0])));
    expect(mail.subject).toBe('Your order has shipped');
    expect(mail.from?.text).toContain('shop@example.test');
    expect(mail.messageId).toBe('<6f1c2d9e-0000-4000-8000-000000000001@marketplace>');
    expect(mail.text).toContain('Hello <Ada>,');
    expect(mail.text).toContain('To stop emails about your orders, open: https://shop.example/unsubscribe?token=abc');
    expect(mail.html).toContain('Hello &lt;Ada&gt;,');
    // mailparser gathers the List-* headers under "list"
    expect(mail.headers.get('list')).toMatchObject({ unsubscribe: { url: 'https://shop.example/unsubscribe?token=abc' } });
    expect(lines.join('\n')).toContain('Your order has shipped');
  });
});
