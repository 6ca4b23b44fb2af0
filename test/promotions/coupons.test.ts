import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintPerson, registerUser, type Person } from '../helpers/accounts.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import { CLAIM_COUPON, CREATE_COUPON, MY_COUPONS, claim, inDays, platformCoupon, uniqueCode } from '../helpers/promotions.ts';

describe('platform coupons and the My Coupons wallet', () => {
  let t: TestStack;
  let admin: Person;
  beforeAll(async () => {
    t = await startTestStack();
    admin = await mintPerson(t, { roles: ['admin'] });
  });
  afterAll(async () => {
    await t?.stop();
  });

  const create = (p: Person, input: Record<string, unknown>) =>
    p.client.data<{ createCoupon: any }>(CREATE_COUPON, {
      input: { kind: 'PLATFORM', code: uniqueCode(), title: 'Ten off', amountOff: '10.00', minOrderAmount: '50.00', expiresAt: inDays(t, 7), ...input },
    });

  it('lets an admin create a platform coupon that everyone can see as available', async () => {
    const code = uniqueCode('SAVE');
    const { createCoupon } = await create(admin, { code, quantity: 3 });
    expect(createCoupon.userErrors).toEqual([]);
    expect(createCoupon.coupon).toMatchObject({
      code,
      kind: 'PLATFORM',
      store: null,
      amountOff: { amount: '10.00', currencyCode: 'USD' },
      percentOff: null,
      minOrderAmount: { amount: '50.00' },
      remaining: 3,
    });
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id code remaining } }`);
    expect(availableCoupons).toContainEqual({ id: createCoupon.coupon.id, code, remaining: 3 });
  });

  it('refuses platform coupons to anyone but an admin, and to guests', async () => {
    const someone = await mintPerson(t);
    const code = uniqueCode();
    const r = await someone.client.request(CREATE_COUPON, {
      input: { kind: 'PLATFORM', code, title: 'Mine', percentOff: 10, minOrderAmount: '0', expiresAt: inDays(t, 1) },
    });
    expect(r.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const guest = await t.client.request(CREATE_COUPON, {
      input: { kind: 'PLATFORM', code, title: 'Mine', percentOff: 10, minOrderAmount: '0', expiresAt: inDays(t, 1) },
    });
    expect(guest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // nothing was stored: the code is still free
    expect((await create(admin, { code })).createCoupon.userErrors).toEqual([]);
  });

  it.each([
    ['both amountOff and percentOff', { amountOff: '1.00', percentOff: 10 }, 'percentOff'],
    ['neither amountOff nor percentOff', { amountOff: null }, 'amountOff'],
    ['a percentage of 0', { amountOff: null, percentOff: 0 }, 'percentOff'],
    ['a percentage of 96', { amountOff: null, percentOff: 96 }, 'percentOff'],
    ['a negative amount', { amountOff: '-5.00' }, 'amountOff'],
    ['a zero amount', { amountOff: '0.00' }, 'amountOff'],
    ['a negative minimum', { minOrderAmount: '-1' }, 'minOrderAmount'],
    ['an expiry before the start', { startsAt: 'START+2', expiresAt: 'START+1' }, 'expiresAt'],
    ['an expiry in the past', { expiresAt: 'START-1' }, 'expiresAt'],
    ['a code with spaces', { code: 'SAVE 10' }, 'code'],
    ['a code of 200 characters', { code: 'X'.repeat(200) }, 'code'],
    ['a code of 2 characters', { code: 'AB' }, 'code'],
    ['an empty title', { title: '   ' }, 'title'],
    ['a title of 101 characters', { title: 't'.repeat(101) }, 'title'],
    ['a quantity of 0', { quantity: 0 }, 'quantity'],
    ['a store on a platform coupon', { storeId: '00000000-0000-4000-8000-000000000001' }, 'storeId'],
  ])('rejects %s with a clear error and stores nothing', async (_what, override, field) => {
    const resolve = (v: unknown) => (typeof v === 'string' && v.startsWith('START') ? inDays(t, Number(v.slice(5))) : v);
    const input = Object.fromEntries(Object.entries(override).map(([k, v]) => [k, resolve(v)]));
    const before = (await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id } }`)).availableCoupons.length;
    const { createCoupon } = await create(admin, input);
    expect(createCoupon.coupon).toBeNull();
    expect(createCoupon.userErrors).toHaveLength(1);
    expect(createCoupon.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', field] });
    expect(createCoupon.userErrors[0].message).toBeTruthy();
    const after = (await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id } }`)).availableCoupons.length;
    expect(after).toBe(before);
  });

  it('refuses a duplicate code, whatever its case', async () => {
    const code = uniqueCode('dup');
    expect((await create(admin, { code })).createCoupon.userErrors).toEqual([]);
    const { createCoupon } = await create(admin, { code: code.toLowerCase() });
    expect(createCoupon.coupon).toBeNull();
    expect(createCoupon.userErrors[0]).toMatchObject({ code: 'COUPON_CODE_TAKEN', field: ['input', 'code'] });
  });

  it('puts a claimed coupon in the wallet once, by id or by code in any case', async () => {
    const shopper = await registerUser(t.client);
    const coupon = await platformCoupon(t, admin, { quantity: 10 });
    const first = (await shopper.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { code: coupon.code.toLowerCase() })).claimCoupon;
    expect(first.userErrors).toEqual([]);
    expect(first.userCoupon).toMatchObject({ status: 'AVAILABLE', usedAt: null, order: null, coupon: { id: coupon.id, remaining: 9 } });
    const again = (await shopper.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: coupon.id })).claimCoupon;
    expect(again.userCoupon).toBeNull();
    expect(again.userErrors[0].code).toBe('ALREADY_CLAIMED');
    const { viewer } = await shopper.client.data<{ viewer: any }>(MY_COUPONS, {});
    expect(viewer.coupons).toEqual([{ status: 'AVAILABLE', usedAt: null, order: null, coupon: { id: coupon.id, code: coupon.code } }]);
    // the second attempt did not take a claim
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id remaining } }`);
    expect(availableCoupons.find((c) => c.id === coupon.id)?.remaining).toBe(9);
  });

  it('answers claims with clear codes: neither or both of id and code, unknown coupon, guest', async () => {
    const p = await mintPerson(t);
    const coupon = await platformCoupon(t, admin);
    const none = (await p.client.data<{ claimCoupon: any }>(CLAIM_COUPON, {})).claimCoupon;
    expect(none.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['couponId'], message: 'Give exactly one of couponId and code.' }]);
    const both = (await p.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: coupon.id, code: coupon.code })).claimCoupon;
    expect(both.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['code'], message: 'Give exactly one of couponId and code.' }]);
    expect((await p.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { code: 'NO-SUCH-CODE' })).claimCoupon.userErrors[0].code).toBe('NOT_FOUND');
    expect((await p.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: 'not-a-uuid' })).claimCoupon.userErrors[0].code).toBe('NOT_FOUND');
    const guest = await t.client.request(CLAIM_COUPON, { couponId: coupon.id });
    expect(guest.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a coupon that has not started yet, and keeps it out of the available list', async () => {
    const later = await platformCoupon(t, admin, { startsAt: inDays(t, 1), expiresAt: inDays(t, 2) });
    const p = await mintPerson(t);
    expect((await claim(p, later.id)).userErrors[0].code).toBe('COUPON_NOT_STARTED');
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id } }`);
    expect(availableCoupons.map((c) => c.id)).not.toContain(later.id);
  });

  it('gives out a limited coupon until it runs out', async () => {
    const coupon = await platformCoupon(t, admin, { quantity: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await claim(await mintPerson(t), coupon.id));
    expect(answers.map((a) => a.userErrors[0]?.code ?? 'OK')).toEqual(['OK', 'OK', 'COUPON_EXHAUSTED']);
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id } }`);
    expect(availableCoupons.map((c) => c.id)).not.toContain(coupon.id);
  });

  it.skipIf(!onPostgres)('(PostgreSQL) never gives out more claims than the quantity: 30 concurrent claimers of 5 coupons', async () => {
    const coupon = await platformCoupon(t, admin, { quantity: 5 });
    const people = await Promise.all(Array.from({ length: 30 }, () => mintPerson(t)));
    const answers = await Promise.all(people.map((p) => claim(p, coupon.id)));
    const won = answers.filter((a) => a.userCoupon);
    expect(won).toHaveLength(5);
    expect(answers.filter((a) => a.userErrors[0]?.code === 'COUPON_EXHAUSTED')).toHaveLength(25);
    const r = await admin.client.data<{ createCoupon: any }>(CREATE_COUPON, {
      input: { kind: 'PLATFORM', code: coupon.code, title: 'x', amountOff: '1', minOrderAmount: '0', expiresAt: inDays(t, 1) },
    });
    expect(r.createCoupon.userErrors[0].code).toBe('COUPON_CODE_TAKEN');
  });

  it.skipIf(!onPostgres)('(PostgreSQL) counts one claim per person even when the same person claims concurrently', async () => {
    const coupon = await platformCoupon(t, admin, { quantity: 5 });
    const p = await mintPerson(t);
    const answers = await Promise.all(Array.from({ length: 5 }, () => claim(p, coupon.id)));
    expect(answers.filter((a) => a.userCoupon)).toHaveLength(1);
    expect(answers.filter((a) => a.userErrors[0]?.code === 'ALREADY_CLAIMED')).toHaveLength(4);
    const { availableCoupons } = await t.client.data<{ availableCoupons: any[] }>(`{ availableCoupons { id remaining } }`);
    expect(availableCoupons.find((c) => c.id === coupon.id)?.remaining).toBe(4);
  });

  it('shows an unused coupon as EXPIRED once past its expiry, and refuses to claim it', async () => {
    const shopper = await registerUser(t.client);
    const soon = await platformCoupon(t, admin, { expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() });
    expect((await shopper.client.data<{ claimCoupon: any }>(CLAIM_COUPON, { couponId: soon.id })).claimCoupon.userErrors).toEqual([]);
    t.clock.advance(120);
    const expired = await shopper.client.data<{ viewer: any }>(MY_COUPONS, { status: 'EXPIRED' });
    expect(expired.viewer.coupons.map((c: any) => c.coupon.id)).toEqual([soon.id]);
    const available = await shopper.client.data<{ viewer: any }>(MY_COUPONS, { status: 'AVAILABLE' });
    expect(available.viewer.coupons).toEqual([]);
    expect((await claim(await mintPerson(t), soon.id)).userErrors[0].code).toBe('COUPON_EXPIRED');
  });
});
