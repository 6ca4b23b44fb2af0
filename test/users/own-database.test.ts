/**
 * The users subgraph on a database of its own (`USERS_DATABASE_URL` apart from
 * `DATABASE_URL`): it publishes into the outbox of its own database, and the
 * outbox relay copies those events into the shared log under other sequence
 * numbers. A revocation must still hold as soon as the mutation answers: the
 * mutation waits until the relay has carried its events and this process has
 * applied them (platform/events/bus.ts `settled`).
 *
 * To see the difference between waiting for the right event and waiting for a
 * number of the wrong log, the shared log runs ahead of the users database's
 * (other subgraphs published first), and the relay is held back for a moment
 * by holding the shared log's publish lock (as a busy log does).
 */
import crypto from 'node:crypto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../platform/db.ts';
import { registerUser, type Account } from '../helpers/accounts.ts';
import { createProduct, openStore } from '../helpers/catalog.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { CHANGE_PASSWORD, LOGIN, LOGOUT, NEEDS_VIEWER, STACK_START_TIMEOUT_MS, VIEWER, callSubgraph, codeOf } from './helpers.ts';

/** The advisory lock every publisher into the shared log takes (platform/events/bus.ts). */
const PUBLISH_LOCK = 7_310_001;
/** How long the relay is held back at most when the mutation does not answer first (well under the bus's 5 s wait). */
const HOLD_MS = 500;
const UPDATE_VARIANT = `mutation($id: ID!, $input: UpdateVariantInput!) { updateVariant(variantId: $id, input: $input) { userErrors { code } } }`;

describe.skipIf(!onPostgres)('the users subgraph on a database of its own (PostgreSQL only; skipped on PGlite, one embedded database per process)', () => {
  let t: TestStack;
  let usersDbName: string;
  let shared: postgres.Sql;

  beforeAll(async () => {
    usersDbName = `mg_test_users_${crypto.randomBytes(6).toString('hex')}`;
    const usersUrl = await createDatabase(process.env.DATABASE_URL!, usersDbName);
    t = await startTestStack({ env: { USERS_DATABASE_URL: usersUrl } });
    shared = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
    // other subgraphs publish first: the shared log's numbers run ahead of the users database's
    const seller = await registerUser(t.client);
    const store = await openStore(seller.client);
    const product = await createProduct(seller.client, store.id, { title: 'Lamp' });
    for (let i = 1; i <= 5; i++) {
      const d = await seller.client.data(UPDATE_VARIANT, { id: product.variants[0].id, input: { price: `${10 + i}.00`, stock: 10 + i } });
      expect(d.updateVariant.userErrors).toEqual([]);
    }
  }, STACK_START_TIMEOUT_MS);

  afterAll(async () => {
    await shared?.end({ timeout: 5 });
    await t?.stop();
    if (usersDbName) await dropDatabase(process.env.DATABASE_URL!, usersDbName);
  }, 60_000);

  /** Someone waits for the shared log's publish lock (the relay, once a users transaction published). */
  async function relayWaiting(): Promise<void> {
    for (;;) {
      const [row] = await shared`select count(*)::int as n from pg_locks
        where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`;
      if (row.n > 0) return;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Runs `mutation` while the relay is held back, and `thenCheck` as soon as it
   * answers. The relay is let go once it is seen waiting and either the
   * mutation answered or HOLD_MS passed.
   */
  async function withRelayHeldBack<T, C>(mutation: () => Promise<T>, thenCheck: () => Promise<C>): Promise<{ answer: T; check: C }> {
    await shared`select pg_advisory_lock(${PUBLISH_LOCK})`;
    try {
      const answered = mutation().then(async (answer) => ({ answer, check: await thenCheck() }));
      await relayWaiting();
      await Promise.race([answered.catch(() => {}), new Promise((r) => setTimeout(r, HOLD_MS))]);
      await shared`select pg_advisory_unlock(${PUBLISH_LOCK})`;
      return await answered;
    } finally {
      await shared`select pg_advisory_unlock_all()`;
    }
  }

  const refusedEverywhere = async (token: string) => {
    expect(codeOf(await t.client.as(token).request(VIEWER))).toBe('UNAUTHENTICATED');
    for (const name of ['users', 'catalog', 'orders', 'messaging', 'promotions'] as const) {
      const direct = await callSubgraph(t.stack.urls[name], t.stack.secret, NEEDS_VIEWER[name], token);
      expect(codeOf(direct), name).toBe('UNAUTHENTICATED');
    }
  };

  it('runs users on its own database, its events relayed into the shared log', async () => {
    expect(t.stack.subgraphs.users.db.key).not.toBe(t.stack.eventsDb.key);
    const own = postgres(t.stack.subgraphs.users.db.key, { max: 1, onnotice: () => {} });
    const [local] = await own`select coalesce(max(seq), 0)::int as n from events.log`.finally(() => own.end({ timeout: 5 }));
    const [sharedHead] = await shared`select coalesce(max(seq), 0)::int as n from events.log`;
    expect(sharedHead.n).toBeGreaterThan(local.n);
  });

  it('refuses the old token at the gateway and at every subgraph as soon as logout answers', async () => {
    const a: Account = await registerUser(t.client);
    const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
    const { answer, check } = await withRelayHeldBack(
      () => a.client.data(LOGOUT),
      () => a.client.request(VIEWER),
    );
    expect(answer).toEqual({ logout: true });
    expect(codeOf(check)).toBe('UNAUTHENTICATED');
    await refusedEverywhere(a.token);
    // the person's other session is untouched
    expect((await t.client.as(other.login.accessToken).data(VIEWER)).viewer.id).toBe(a.userId);
  });

  it('refuses the other sessions at once when the password changes, and keeps this one', async () => {
    const a: Account = await registerUser(t.client);
    const other = await t.client.data(LOGIN, { email: a.email, password: a.password });
    const { answer, check } = await withRelayHeldBack(
      () => a.client.data(CHANGE_PASSWORD, { c: a.password, n: 'a-Much-Better-Password-42' }),
      () => t.client.as(other.login.accessToken).request(VIEWER),
    );
    expect(answer.changePassword.userErrors).toEqual([]);
    expect(codeOf(check)).toBe('UNAUTHENTICATED');
    await refusedEverywhere(other.login.accessToken);
    expect((await a.client.data(VIEWER)).viewer.id).toBe(a.userId);
  });
});
