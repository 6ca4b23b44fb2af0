/**
 * A release that arrives while its reservation is still running gives the stock back.
 * (Review finding 1.) The reservation's transaction is held open after it inserted its row:
 * the test locks the variant row FOR UPDATE from its own connection, so reserveStock waits in
 * takeStock with its reservation row uncommitted. releaseStock for the same key runs meanwhile;
 * then the lock goes and both finish. Driven through the catalog subgraph's internal route (as
 * the orders subgraph calls it); the stock is read through the gateway. PostgreSQL only: it needs
 * concurrent connections.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, type Person } from '../helpers/accounts.ts';
import { api, createProduct, internal, openStore } from '../helpers/catalog.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const STOCK = `query($id: ID!) { product(id: $id) { variants { id stock } } }`;

describe.skipIf(!onPostgres)('releasing a reservation that is still running (PostgreSQL only: needs concurrent connections)', () => {
  let t: TestStack;
  let seller: Person;
  let store: { id: string };
  let admin: postgres.Sql;
  beforeAll(async () => {
    t = await startTestStack();
    admin = postgres(t.databaseUrl!, { max: 3, onnotice: () => {} });
    seller = await mintPerson(t, { via: api(t) });
    store = await openStore(seller.client, 'Race Room');
  }, 180_000);
  afterAll(async () => {
    await admin?.end();
    await t?.stop();
  });

  const stockOf = async (productId: string) => (await api(t).data<any>(STOCK, { id: productId })).product.variants.map((v: any) => v.stock);

  /** Sessions of the test database waiting for a lock (other than ours). */
  async function waiting(): Promise<number> {
    const [r] =
      await admin`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
    return r.n;
  }
  async function until(check: () => Promise<boolean>, ms = 30_000) {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error('timed out waiting');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it('gives the stock back when the release runs while the reservation of its key has not committed yet', async () => {
    const p = await createProduct(seller.client, store.id, { variants: [{ stock: 10 }] });
    const variantId = p.variants[0].id;
    const key = `race-${crypto.randomUUID()}`;
    let reserved: Promise<any> | undefined;
    let released: Promise<any> | undefined;
    await admin.begin(async (tx) => {
      await tx`select id from catalog.variants where id = ${variantId} for update`;
      // the reservation inserts its row, then waits for the variant row
      reserved = internal(t, 'reserveStock', { key, items: [{ variantId, quantity: 4 }] });
      await until(async () => (await waiting()) >= 1);
      // the release of the same key, while the reservation is uncommitted
      released = internal(t, 'releaseStock', { key });
      await until(async () => (await waiting()) >= 2);
    }); // the lock goes: the reservation commits, the release finishes
    expect((await reserved!).body).toEqual({ ok: true });
    expect((await released!).body).toEqual({ ok: true });
    expect(await stockOf(p.id)).toEqual([10]);
    // and the key never reserves again
    expect((await internal(t, 'reserveStock', { key, items: [{ variantId, quantity: 4 }] })).body).toEqual({ ok: true });
    expect(await stockOf(p.id)).toEqual([10]);
  }, 120_000);
});
