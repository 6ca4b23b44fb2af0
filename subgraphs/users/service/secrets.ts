/** Password, answer and token hashing for the users subgraph (node:crypto only). */
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (pw: crypto.BinaryLike, salt: crypto.BinaryLike, keylen: number, opts: crypto.ScryptOptions) => Promise<Buffer>;
const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

/** A slow salted hash: `scrypt$N$r$p$salt$hash` (base64url). */
export async function hashSecret(secret: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(secret, salt, KEYLEN, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, salt, hash] = parts;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(secret, Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && crypto.timingSafeEqual(key, expected);
}

let dummy: Promise<string> | undefined;
/** A hash to verify against when the account does not exist, so sign-in takes the same time. */
export function dummyHash(): Promise<string> {
  return (dummy ??= hashSecret(crypto.randomBytes(16).toString('hex')));
}

/** Security answers compare case- and space-insensitively. */
export function normalizeAnswer(answer: string): string {
  return answer.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/**
 * Password strength, 0–6: one point per character class (lower, upper, digit,
 * other), one for 12+ characters, one for 16+. 4 or more is "strong".
 */
export function passwordStrength(password: string): number {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/].filter((re) => re.test(password)).length;
  return classes + (password.length >= 12 ? 1 : 0) + (password.length >= 16 ? 1 : 0);
}
export const STRONG_PASSWORD = 4;

export function sha256(value: string): string {
  return crypto.createHash('sha256').update(value).digest('hex');
}

/** An opaque refresh token (256 random bits). */
export function newRefreshToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}
