/**
 * The body of an email, in plain text and HTML from the same parts: a
 * greeting, paragraphs, an optional highlighted code, and for notifications
 * the unsubscribe link. Every value is escaped in the HTML.
 */
export interface MailParts {
  greeting: string;
  paragraphs: string[];
  /** A one-time code, shown on its own line. */
  code?: string;
  /** A notification's unsubscribe link. */
  unsubscribeUrl?: string;
  /** What the unsubscribe link turns off, e.g. "emails about your orders". */
  unsubscribeWhat?: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function composeMail(parts: MailParts): { text: string; html: string } {
  const text: string[] = [parts.greeting, ''];
  const html: string[] = [`<p>${escapeHtml(parts.greeting)}</p>`];
  for (const p of parts.paragraphs) {
    text.push(p, '');
    html.push(`<p>${escapeHtml(p)}</p>`);
  }
  if (parts.code) {
    text.push(`    ${parts.code}`, '');
    html.push(`<p style="font-size:24px;font-family:monospace;letter-spacing:4px"><strong>${escapeHtml(parts.code)}</strong></p>`);
  }
  if (parts.unsubscribeUrl) {
    const what = parts.unsubscribeWhat ?? 'these emails';
    text.push('--', `To stop ${what}, open: ${parts.unsubscribeUrl}`);
    html.push(`<hr><p style="font-size:12px;color:#666">To stop ${escapeHtml(what)}, <a href="${escapeHtml(parts.unsubscribeUrl)}">unsubscribe</a>.</p>`);
  }
  return { text: text.join('\n').trimEnd() + '\n', html: `<!doctype html><html><body>${html.join('\n')}</body></html>` };
}
