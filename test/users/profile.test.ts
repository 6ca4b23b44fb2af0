import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser } from '../helpers/accounts.ts';
import { onPostgres, startTestStack, type TestStack } from '../helpers/stack.ts';
import {
  ADD_ADDRESS,
  CHANGE_EMAIL,
  markEmailVerified,
  LOGIN,
  REMOVE_ADDRESS,
  SET_QUESTION,
  UPDATE_ADDRESS,
  UPDATE_PROFILE,
  VIEWER,
  address,
  STACK_START_TIMEOUT_MS,
} from './helpers.ts';

describe('profile, security and the address book', () => {
  let t: TestStack;
  beforeAll(async () => {
    t = await startTestStack();
  }, STACK_START_TIMEOUT_MS);
  afterAll(async () => {
    await t?.stop();
  });

  describe('updateProfile', () => {
    it('changes only the fields given, and an explicit null clears one', async () => {
      const a = await registerUser(t.client);
      const r1 = await a.client.data(UPDATE_PROFILE, {
        input: {
          fullName: 'Ada King',
          gender: 'FEMALE',
          phone: '+44 1',
          organization: 'Analytical Engines',
          photoUrl: 'https://img.example/ada.png',
          zip: 'W1',
          fax: '123',
          contactAddress: 'London',
        },
      });
      expect(r1.updateProfile.userErrors).toEqual([]);
      expect(r1.updateProfile.user).toMatchObject({
        fullName: 'Ada King',
        gender: 'FEMALE',
        phone: '+44 1',
        organization: 'Analytical Engines',
        photoUrl: 'https://img.example/ada.png',
      });
      const r2 = await a.client.data(UPDATE_PROFILE, { input: { phone: null, zip: 'W2' } });
      expect(r2.updateProfile.user).toMatchObject({ fullName: 'Ada King', gender: 'FEMALE', phone: null, zip: 'W2', organization: 'Analytical Engines' });
    });

    it.each([
      ['an over-long name', { fullName: 'x'.repeat(101) }, 'fullName'],
      ['an empty name', { fullName: ' ' }, 'fullName'],
      ['a null name', { fullName: null }, 'fullName'],
      ['a phone over 32 characters', { phone: '1'.repeat(33) }, 'phone'],
      ['a fax over 32 characters', { fax: '1'.repeat(33) }, 'fax'],
      ['a zip over 32 characters', { zip: '1'.repeat(33) }, 'zip'],
      ['an organization over 200 characters', { organization: 'o'.repeat(201) }, 'organization'],
      ['a contact address over 200 characters', { contactAddress: 'o'.repeat(201) }, 'contactAddress'],
      ['a photo URL that is not http(s)', { photoUrl: 'javascript:alert(1)' }, 'photoUrl'],
      ['a photo URL over 2048 characters', { photoUrl: `https://x.example/${'a'.repeat(2040)}` }, 'photoUrl'],
    ])('refuses %s with INVALID_INPUT and changes nothing', async (_what, input, field) => {
      const a = await registerUser(t.client, { fullName: 'Unchanged Name' });
      const r = await a.client.data(UPDATE_PROFILE, { input: { zip: 'Z1', ...input } });
      expect(r.updateProfile.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', field] })]);
      expect(r.updateProfile.user).toBeNull();
      const v = await a.client.data(VIEWER);
      expect(v.viewer).toMatchObject({ fullName: 'Unchanged Name', zip: null });
    });

    it('needs a signed-in caller', async () => {
      const r = await t.client.request(UPDATE_PROFILE, { input: { fullName: 'X' } });
      expect(r.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('securityLevel and the security question', () => {
    it('is LOW with a password alone, however strong, and MEDIUM with a security question (HIGH also needs a verified email: email.test.ts)', async () => {
      const weak = await registerUser(t.client, { password: 'password' });
      expect((await weak.client.data(VIEWER)).viewer.securityLevel).toBe('LOW');
      const r = await weak.client.data(SET_QUESTION, { p: 'password', q: 'First pet?', a: 'Rex' });
      expect(r.setSecurityQuestion.userErrors).toEqual([]);
      expect(r.setSecurityQuestion.user).toMatchObject({ hasSecurityQuestion: true, securityLevel: 'MEDIUM' });

      const strong = await registerUser(t.client, { password: 'Str0ng-and-long-passphrase' });
      expect((await strong.client.data(VIEWER)).viewer.securityLevel).toBe('LOW');
      const s = await strong.client.data(SET_QUESTION, { p: 'Str0ng-and-long-passphrase', q: 'Town of birth?', a: 'Paris' });
      expect(s.setSecurityQuestion.user.securityLevel).toBe('MEDIUM');
    });

    it('refuses to set a question without the right password, or with an empty answer', async () => {
      const a = await registerUser(t.client);
      const wrong = await a.client.data(SET_QUESTION, { p: 'not-the-password', q: 'Q?', a: 'A' });
      expect(wrong.setSecurityQuestion.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS' })]);
      const empty = await a.client.data(SET_QUESTION, { p: a.password, q: 'Q?', a: '   ' });
      expect(empty.setSecurityQuestion.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['answer'] })]);
      expect((await a.client.data(VIEWER)).viewer.hasSecurityQuestion).toBe(false);
    });

    it('refuses a question or an answer over 200 characters with INVALID_INPUT on that field, and sets nothing', async () => {
      const a = await registerUser(t.client);
      const longQuestion = await a.client.data(SET_QUESTION, { p: a.password, q: 'q'.repeat(201), a: 'Rex' });
      expect(longQuestion.setSecurityQuestion).toMatchObject({
        user: null,
        userErrors: [{ code: 'INVALID_INPUT', field: ['question'], message: 'The security question must be 1 to 200 characters.' }],
      });
      const longAnswer = await a.client.data(SET_QUESTION, { p: a.password, q: 'First pet?', a: 'a'.repeat(201) });
      expect(longAnswer.setSecurityQuestion).toMatchObject({
        user: null,
        userErrors: [{ code: 'INVALID_INPUT', field: ['answer'], message: 'The answer must be 1 to 200 characters.' }],
      });
      expect((await a.client.data(VIEWER)).viewer.hasSecurityQuestion).toBe(false);
    });
  });

  describe('changeEmail', () => {
    it('changes the email with the password; the new email signs in, the old does not', async () => {
      const a = await registerUser(t.client);
      await markEmailVerified(t, a.userId); // security level MEDIUM
      const newEmail = `new-${a.email}`;
      const r = await a.client.data(CHANGE_EMAIL, { p: a.password, e: newEmail.toUpperCase() });
      expect(r.changeEmail.userErrors).toEqual([]);
      expect(r.changeEmail.user.email).toBe(newEmail);
      expect((await t.client.data(LOGIN, { email: newEmail, password: a.password })).login.userErrors).toEqual([]);
      expect((await t.client.data(LOGIN, { email: a.email, password: a.password })).login.userErrors[0].code).toBe('INVALID_CREDENTIALS');
    });

    it('needs the security answer once a question is set, compared ignoring case and spaces', async () => {
      const a = await registerUser(t.client);
      await a.client.data(SET_QUESTION, { p: a.password, q: 'Favourite city?', a: 'New York' });
      const without = await a.client.data(CHANGE_EMAIL, { p: a.password, e: `x-${a.email}` });
      expect(without.changeEmail.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['securityAnswer'] })]);
      const wrong = await a.client.data(CHANGE_EMAIL, { p: a.password, e: `x-${a.email}`, a: 'Boston' });
      expect(wrong.changeEmail.userErrors[0].code).toBe('INVALID_CREDENTIALS');
      const right = await a.client.data(CHANGE_EMAIL, { p: a.password, e: `x-${a.email}`, a: '  newyork ' });
      expect(right.changeEmail.userErrors).toEqual([]);
      expect(right.changeEmail.user.email).toBe(`x-${a.email}`);
    });

    it('refuses a wrong password, a malformed email and a taken email, changing nothing', async () => {
      const a = await registerUser(t.client);
      const b = await registerUser(t.client);
      await markEmailVerified(t, a.userId); // security level MEDIUM
      const wrong = await a.client.data(CHANGE_EMAIL, { p: 'not-the-password', e: `y-${a.email}` });
      expect(wrong.changeEmail.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_CREDENTIALS', field: ['password'] })]);
      const bad = await a.client.data(CHANGE_EMAIL, { p: a.password, e: 'nope@' });
      expect(bad.changeEmail.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['newEmail'] })]);
      const taken = await a.client.data(CHANGE_EMAIL, { p: a.password, e: b.email.toUpperCase() });
      expect(taken.changeEmail.userErrors).toEqual([expect.objectContaining({ code: 'EMAIL_TAKEN', field: ['newEmail'] })]);
      expect((await a.client.data(VIEWER)).viewer.email).toBe(a.email);
    });
  });

  describe('shipping addresses', () => {
    it('makes the first address the default, and isDefault: true moves the default', async () => {
      const a = await registerUser(t.client);
      const first = await a.client.data(ADD_ADDRESS, { input: address() });
      expect(first.addShippingAddress.userErrors).toEqual([]);
      expect(first.addShippingAddress.address).toMatchObject({ isDefault: true, country: 'GB' });
      const second = await a.client.data(ADD_ADDRESS, { input: address({ city: 'Paris', country: 'fr' }) });
      expect(second.addShippingAddress.address).toMatchObject({ isDefault: false, country: 'FR' });
      const third = await a.client.data(ADD_ADDRESS, { input: address({ isDefault: true }) });
      const ids = third.addShippingAddress.user.shippingAddresses;
      expect(ids.filter((x: any) => x.isDefault)).toEqual([{ id: third.addShippingAddress.address.id, isDefault: true }]);

      const moved = await a.client.data(UPDATE_ADDRESS, {
        id: second.addShippingAddress.address.id,
        input: address({ city: 'Lyon', country: 'FR', isDefault: true }),
      });
      expect(moved.updateShippingAddress.userErrors).toEqual([]);
      expect(moved.updateShippingAddress.address).toMatchObject({ city: 'Lyon', isDefault: true });
      expect(moved.updateShippingAddress.user.shippingAddresses.filter((x: any) => x.isDefault)).toHaveLength(1);
    });

    it('promotes the oldest remaining address when the default is removed', async () => {
      const a = await registerUser(t.client);
      const ids: string[] = [];
      for (const city of ['A', 'B', 'C']) ids.push((await a.client.data(ADD_ADDRESS, { input: address({ city }) })).addShippingAddress.address.id);
      await a.client.data(UPDATE_ADDRESS, { id: ids[2], input: address({ city: 'C', isDefault: true }) });
      const r = await a.client.data(REMOVE_ADDRESS, { id: ids[2] });
      expect(r.removeShippingAddress.userErrors).toEqual([]);
      expect(r.removeShippingAddress.user.shippingAddresses).toEqual([
        { id: ids[0], isDefault: true },
        { id: ids[1], isDefault: false },
      ]);
      await a.client.data(REMOVE_ADDRESS, { id: ids[0] });
      const last = await a.client.data(REMOVE_ADDRESS, { id: ids[1] });
      expect(last.removeShippingAddress.user.shippingAddresses).toEqual([]);
    });

    it('refuses a sixth address with ADDRESS_LIMIT_REACHED', async () => {
      const a = await registerUser(t.client);
      for (let i = 0; i < 5; i++) expect((await a.client.data(ADD_ADDRESS, { input: address() })).addShippingAddress.userErrors).toEqual([]);
      const sixth = await a.client.data(ADD_ADDRESS, { input: address() });
      expect(sixth.addShippingAddress).toMatchObject({ address: null, userErrors: [expect.objectContaining({ code: 'ADDRESS_LIMIT_REACHED' })] });
      expect((await a.client.data(VIEWER)).viewer.shippingAddresses).toHaveLength(5);
    });

    it.each([
      ['a country that is not ISO 3166-1 alpha-2', { country: 'XX' }, 'country'],
      ['a three-letter country', { country: 'GBR' }, 'country'],
      ['an empty recipient', { recipientName: '' }, 'recipientName'],
      ['an over-long street', { street: 's'.repeat(201) }, 'street'],
      ['an over-long postal code', { postalCode: '1'.repeat(33) }, 'postalCode'],
      ['an over-long city', { city: 'c'.repeat(101) }, 'city'],
      ['an over-long phone', { phone: '1'.repeat(33) }, 'phone'],
    ])('refuses %s with INVALID_INPUT and adds nothing', async (_what, override, field) => {
      const a = await registerUser(t.client);
      const r = await a.client.data(ADD_ADDRESS, { input: address(override) });
      expect(r.addShippingAddress.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', field] })]);
      expect((await a.client.data(VIEWER)).viewer.shippingAddresses).toEqual([]);
    });

    it("answers NOT_FOUND for an unknown address id, a non-UUID id and someone else's address, changing nothing", async () => {
      const a = await registerUser(t.client);
      const b = await registerUser(t.client);
      const theirs = (await b.client.data(ADD_ADDRESS, { input: address({ city: 'Theirs' }) })).addShippingAddress.address.id;
      for (const id of [theirs, '00000000-0000-4000-8000-000000000000', 'not-an-id']) {
        const u = await a.client.data(UPDATE_ADDRESS, { id, input: address({ city: 'Mine now' }) });
        expect(u.updateShippingAddress.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
        const r = await a.client.data(REMOVE_ADDRESS, { id });
        expect(r.removeShippingAddress.userErrors).toEqual([expect.objectContaining({ code: 'NOT_FOUND' })]);
      }
      const still = (await b.client.data(VIEWER)).viewer.shippingAddresses;
      expect(still).toEqual([expect.objectContaining({ id: theirs, city: 'Theirs', isDefault: true })]);
    });

    it.skipIf(!onPostgres)('keeps at most five addresses and exactly one default under ten concurrent adds (PostgreSQL)', async () => {
      const a = await registerUser(t.client);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => a.client.data(ADD_ADDRESS, { input: address({ city: `City ${i}`, isDefault: i % 2 === 0 }) })),
      );
      const ok = results.filter((r) => r.addShippingAddress.userErrors.length === 0);
      const refused = results.filter((r) => r.addShippingAddress.userErrors[0]?.code === 'ADDRESS_LIMIT_REACHED');
      expect(ok).toHaveLength(5);
      expect(refused).toHaveLength(5);
      const list = (await a.client.data(VIEWER)).viewer.shippingAddresses;
      expect(list).toHaveLength(5);
      expect(list.filter((x: any) => x.isDefault)).toHaveLength(1);
    });
  });
});
