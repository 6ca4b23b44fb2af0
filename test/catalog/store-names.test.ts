/**
 * Store names are unique by how they look (subgraphs/catalog/service/store-names.ts):
 * compared after NFKC, without invisible characters (zero-width, direction
 * marks), with Cyrillic/Greek look-alike letters folded to Latin, case-insensitively.
 * Uniqueness is a unique index on the stored key, so it holds under concurrency;
 * the name people see stays as typed.
 */
import crypto from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson } from '../helpers/accounts.ts';
import { api } from '../helpers/catalog.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';

const OPEN_STORE = `mutation($input: OpenStoreInput!) { openStore(input: $input) { store { id name } userErrors { field code message } } }`;
const STORE = `query($id: ID!) { store(id: $id) { id name } }`;

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
}, 180_000);
afterAll(async () => {
  await t?.stop();
});

/** Opens a store as a fresh seller; returns the payload. */
async function open(name: string) {
  const seller = await mintPerson(t, { via: api(t) });
  return (await seller.client.data<{ openStore: any }>(OPEN_STORE, { input: { name } })).openStore;
}

const LOOK_ALIKES_OF_SHOP: [string, string][] = [
  ['in fullwidth letters', 'Ｓｈｏｐ'],
  ['with a zero-width space inside', 'Sh\u200Bop'],
  ['with a zero-width joiner and a word joiner', 'S\u200Dho\u2060p'],
  ['in Cyrillic letters', 'Ѕһор'],
  ['mixing Cyrillic and Latin letters', 'Shоp'],
  ['in Greek capitals where they look Latin', 'SΗΟΡ'],
  ['wrapped in right-to-left and left-to-right marks', '\u200FShop\u200E'],
  ['inside a right-to-left override', '\u202EShop\u202C'],
  ['inside directional isolates', '\u2066Shop\u2069'],
  ['with a soft hyphen', 'Sh\u00ADop'],
  ['in mathematical bold letters', '𝐒𝐡𝐨𝐩'],
  ['in another case', 'sHOP'],
];

describe('store names that look alike', () => {
  let shop: { id: string; name: string };
  beforeAll(async () => {
    const r = await open('Shop');
    expect(r.userErrors).toEqual([]);
    shop = r.store;
  });

  it.each(LOOK_ALIKES_OF_SHOP)('refuses "Shop" %s with STORE_NAME_TAKEN, and opens nothing', async (_how, name) => {
    const r = await open(name);
    expect(r.store).toBeNull();
    expect(r.userErrors).toEqual([expect.objectContaining({ code: 'STORE_NAME_TAKEN', field: ['input', 'name'] })]);
  });

  it('keeps the name as typed for display, and refuses the plain form of it', async () => {
    const typed = `Ｔｅａ Ｈｏｕｓｅ ${crypto.randomUUID().slice(0, 4)}`;
    const first = await open(typed);
    expect(first.userErrors).toEqual([]);
    expect(first.store.name).toBe(typed);
    expect((await api(t).data<any>(STORE, { id: first.store.id })).store.name).toBe(typed);
    const plain = await open(typed.normalize('NFKC'));
    expect(plain.userErrors.map((e: { code: string }) => e.code)).toEqual(['STORE_NAME_TAKEN']);
    expect((await api(t).data<any>(STORE, { id: shop.id })).store.name).toBe('Shop');
  });

  it('still tells different names apart', async () => {
    for (const name of ['Shops', 'Shöp', 'Sho p', 'Ship']) {
      const r = await open(name);
      expect(r.userErrors).toEqual([]);
      expect(r.store.name).toBe(name);
    }
  });

  it('folds every case of a Cyrillic or Greek name alike', async () => {
    const tag = crypto.randomUUID().slice(0, 4);
    expect((await open(`Нора ${tag}`)).userErrors).toEqual([]);
    for (const name of [`НОРА ${tag}`, `нора ${tag}`, `Hopa ${tag}`]) {
      expect((await open(name)).userErrors.map((e: { code: string }) => e.code)).toEqual(['STORE_NAME_TAKEN']);
    }
    expect((await open(`ΥΓΕΙΑ ${tag}`)).userErrors).toEqual([]);
    expect((await open(`υγεια ${tag}`)).userErrors.map((e: { code: string }) => e.code)).toEqual(['STORE_NAME_TAKEN']);
  });

  it('keeps the joiners that change what is seen: in an emoji sequence, and between Persian letters', async () => {
    const tag = crypto.randomUUID().slice(0, 4);
    for (const [joined, apart] of [
      [`👩\u200D💻 Studio ${tag}`, `👩💻 Studio ${tag}`],
      [`می\u200Cخواهم ${tag}`, `میخواهم ${tag}`],
    ]) {
      expect((await open(joined)).userErrors).toEqual([]);
      expect((await open(apart)).userErrors).toEqual([]);
    }
  });

  it('refuses a name with fewer than two visible characters with INVALID_INPUT', async () => {
    for (const name of ['\u200B\u200B\u200B', 'X\u200B\u200E', '\u202E\u202C']) {
      const r = await open(name);
      expect(r.store).toBeNull();
      expect(r.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'name'] })]);
    }
  });

  it.skipIf(!onPostgres)('lets exactly one of ten look-alike names opened at once win (PostgreSQL only)', async () => {
    const base = `Corner ${crypto.randomUUID().slice(0, 4).replace(/[0-9]/g, 'x')}`;
    const variants = [
      base,
      base.toUpperCase(),
      [...base].map((c) => (c === ' ' ? '\u3000' : String.fromCharCode(c.charCodeAt(0) + 0xfee0))).join(''), // fullwidth
      base.replace('r', 'r\u200B'),
      `\u200F${base}\u200E`,
      base.replace('C', 'С').replace('o', 'о').replace('e', 'е'), // Cyrillic
      base.replace(' ', '  '),
      `\u2066${base}\u2069`,
      base.replace('o', 'ο'), // Greek omicron
      base.replace('n', 'n\u00AD'),
    ];
    const results = await Promise.all(variants.map((name) => open(name)));
    const codes = results.map((r) => (r.userErrors.length ? r.userErrors[0].code : 'OPENED'));
    expect(codes.filter((c) => c === 'OPENED')).toHaveLength(1);
    expect(codes.filter((c) => c === 'STORE_NAME_TAKEN')).toHaveLength(variants.length - 1);
  });
});

describe('stores made before names were compared by look', () => {
  it('get their key when the catalog starts, so look-alikes of them are taken too, and two old look-alikes both stay', async () => {
    const db = t.stack.subgraphs.catalog.db.drizzle;
    const owner = crypto.randomUUID();
    const [older, younger] = [crypto.randomUUID(), crypto.randomUUID()];
    // as the catalog stored them before migration 0003: no key
    await db.execute(sql`insert into catalog.stores (id, owner_id, name, created_at) values
      (${older}::uuid, ${owner}::uuid, 'Old Mill', now() - interval '2 days'),
      (${younger}::uuid, ${owner}::uuid, 'Ｏｌｄ Ｍｉｌｌ', now() - interval '1 day'),
      (${crypto.randomUUID()}::uuid, ${owner}::uuid, 'Ѕеа Ѕhеll', now() - interval '1 day')`);
    await t.stack.stopSubgraph('catalog');
    await t.stack.startSubgraph('catalog');

    for (const name of ['Old Mill', 'Оld Мill', 'Old \u200BMill', 'Sea Shell', 'SEA SHELL']) {
      const r = await open(name);
      expect(r.userErrors.map((e: { code: string }) => e.code)).toEqual(['STORE_NAME_TAKEN']);
    }
    // both old stores are still there, named as they were
    expect((await api(t).data<any>(STORE, { id: older })).store.name).toBe('Old Mill');
    expect((await api(t).data<any>(STORE, { id: younger })).store.name).toBe('Ｏｌｄ Ｍｉｌｌ');
  }, 120_000);
});
