/** Input checks more than one subgraph makes. */

/** Whether `value` is an absolute http(s) URL with a host (`new URL` parses it). */
export function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
