/**
 * Sign-in throttling: password checks that may fail per window, per account and
 * per client address. Every password check (login, and changePassword,
 * changeEmail, setSecurityQuestion, deactivateAccount after sign-in) is counted
 * before it runs, on the same two counters.
 */
import { fail } from '../../../platform/errors.ts';
import * as q from '../db/queries.ts';
import type { UserRow } from '../db/schema.ts';
import { candidate, type Deps } from './common.ts';
import { verifySecret } from './secrets.ts';

export const LOGIN_WINDOW_S = 15 * 60;
export const LOGIN_MAX_FAILURES_PER_ACCOUNT = 5;
export const LOGIN_MAX_FAILURES_PER_ADDRESS = 20;
const TOO_MANY_ATTEMPTS = 'Too many failed password attempts. Wait a few minutes and try again.';
/**
 * How long a check waits when only checks in flight (not failures) fill its
 * counter, for them to settle (e.g. one person signing in on several devices
 * at once); then TOO_MANY_ATTEMPTS. Well under the gateway's subgraph timeout.
 */
const RESERVE_WAIT_MS = 3000;

/** The throttle counters one password check was counted on. */
export interface Attempt {
  account: string;
  address?: string;
}

/**
 * Reserves a password check before it runs, on the account's counter and then
 * the client address's, in one transaction (each an atomic conditional upsert,
 * so concurrent checks queue on the row and failures plus checks in flight
 * never exceed the limit; at the address's limit the account's reservation is
 * rolled back). At the limit of failures: TOO_MANY_ATTEMPTS, and no hash is
 * computed. When checks in flight fill the rest, it waits for them to settle
 * (at most RESERVE_WAIT_MS) and tries again.
 */
export async function reserveAttempt(deps: Deps, email: string, clientIp?: string): Promise<Attempt> {
  const attempt: Attempt = { account: `account:${email.toLowerCase()}`, ...(clientIp ? { address: `ip:${clientIp}` } : {}) };
  const giveUpAt = Date.now() + RESERVE_WAIT_MS;
  for (;;) {
    const now = deps.clock.now();
    const outcome = await deps.db.drizzle
      .transaction(async (tx) => {
        const account = await q.reserveAttempt(tx, attempt.account, LOGIN_MAX_FAILURES_PER_ACCOUNT, now, LOGIN_WINDOW_S);
        if (account !== 'reserved' || !attempt.address) return account;
        const address = await q.reserveAttempt(tx, attempt.address, LOGIN_MAX_FAILURES_PER_ADDRESS, now, LOGIN_WINDOW_S);
        if (address !== 'reserved') throw new NotReserved(address);
        return address;
      })
      .catch((err: unknown) => {
        if (err instanceof NotReserved) return err.outcome;
        throw err;
      });
    if (outcome === 'reserved') return attempt;
    if (outcome === 'at-limit' || Date.now() >= giveUpAt) fail('TOO_MANY_ATTEMPTS', TOO_MANY_ATTEMPTS);
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 30));
  }
}

/**
 * Settles a reserved check: a failure stays counted; a success clears the
 * account's failures (a person who mistypes now and then is never locked out)
 * and takes nothing from the address's. It never throws: a database error here
 * must not turn the check's real answer into an internal error; the check then
 * stays counted as in flight until its window passes (at most the window).
 */
export async function settleAttempt(deps: Deps, attempt: Attempt, succeeded: boolean): Promise<void> {
  const outcome = succeeded ? 'succeeded' : 'failed';
  try {
    await deps.db.drizzle.transaction(async (tx) => {
      await q.settleAttempt(tx, attempt.account, outcome, true);
      if (attempt.address) await q.settleAttempt(tx, attempt.address, outcome);
    });
  } catch (err) {
    deps.log.warn('could not settle a sign-in attempt; it counts as in flight until its window passes', { err });
  }
}

/**
 * The password check of an operation after sign-in, throttled as login is and
 * on the same counters (a stolen access token must not become a way to guess
 * the password). `alsoCheck` runs further secret checks (the security answer)
 * as part of the same attempt.
 */
export async function checkPassword(
  deps: Deps,
  user: UserRow,
  password: string,
  field: string[],
  clientIp: string | undefined,
  alsoCheck?: () => Promise<void>,
): Promise<void> {
  const attempt = await reserveAttempt(deps, user.email, clientIp);
  let succeeded = false;
  try {
    if (!(await verifySecret(candidate(password), user.passwordHash))) fail('INVALID_CREDENTIALS', 'The password is not correct.', field);
    await alsoCheck?.();
    succeeded = true;
  } finally {
    await settleAttempt(deps, attempt, succeeded);
  }
}

/** Emails with a code (password reset, email verification) per account and per client address, per window. */
export const MAIL_PER_ACCOUNT = 3;
export const MAIL_PER_ADDRESS = 10;

/**
 * Whether one more code may be emailed for `email` (the account asked for,
 * existing or not) from `clientIp`: at most MAIL_PER_ACCOUNT per account and
 * MAIL_PER_ADDRESS per address in LOGIN_WINDOW_S, counted before anything is
 * looked up (an unknown email counts the same). One transaction: at the
 * address's limit the account's allowance is given back.
 */
export async function allowEmail(deps: Deps, email: string, clientIp?: string): Promise<boolean> {
  const now = deps.clock.now();
  return deps.db.drizzle
    .transaction(async (tx) => {
      if (!(await q.takeAllowance(tx, `mail:account:${email.toLowerCase()}`, MAIL_PER_ACCOUNT, now, LOGIN_WINDOW_S))) return false;
      if (clientIp && !(await q.takeAllowance(tx, `mail:ip:${clientIp}`, MAIL_PER_ADDRESS, now, LOGIN_WINDOW_S))) throw new NotReserved('at-limit');
      return true;
    })
    .catch((err: unknown) => {
      if (err instanceof NotReserved) return false;
      throw err;
    });
}

/** How long sent emails are kept in the queue (for the record), and expired codes. */
const SENT_MAIL_KEPT_MS = 7 * 24 * 3600 * 1000;

/** Housekeeping (a job, subgraph.ts): forget throttling counters past their window, old rotated refresh tokens, expired codes and old sent emails. */
export async function prune(deps: Deps): Promise<void> {
  const now = deps.clock.now().getTime();
  await q.pruneStale(
    deps.db.drizzle,
    new Date(now - LOGIN_WINDOW_S * 1000),
    new Date(now - deps.config.refreshTokenTtlS * 1000),
    new Date(now),
    new Date(now - SENT_MAIL_KEPT_MS),
  );
}

/** A reservation refused inside its transaction (rolls back what it already reserved). */
class NotReserved extends Error {
  constructor(readonly outcome: Exclude<q.Reservation, 'reserved'>) {
    super(outcome);
  }
}
