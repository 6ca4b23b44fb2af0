/**
 * The token verifier every subgraph and the gateway use: it remembers tokens it
 * verified, but never past their expiry.
 */
import { describe, expect, it } from 'vitest';
import { AuthVerifier, TokenSigner, generateKeys } from '../../platform/auth.ts';

const claims = { userId: 'u1', sessionId: 's1', roles: ['BUYER'] };

describe('AuthVerifier', () => {
  it('accepts a token again and again, with the same viewer', async () => {
    const keys = generateKeys();
    const verifier = new AuthVerifier(keys, 900);
    const { token } = await new TokenSigner(keys, 900).sign(claims);
    const first = await verifier.verify(`Bearer ${token}`);
    const again = await verifier.verify(`Bearer ${token}`);
    expect(first).toMatchObject({ id: 'u1', sessionId: 's1', roles: ['BUYER'], token });
    expect(again).toEqual(first);
  });

  it('refuses a token it verified before, once the token has expired', async () => {
    const keys = generateKeys();
    const verifier = new AuthVerifier(keys, 900);
    // `exp` counts whole seconds: sign just after a second begins, so the token lives about a second
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 5));
    const { token, exp } = await new TokenSigner(keys, 1).sign(claims);
    expect(await verifier.verify(`Bearer ${token}`)).toMatchObject({ id: 'u1' });
    await new Promise((r) => setTimeout(r, exp * 1000 - Date.now() + 50));
    await expect(verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
      message: 'The access token has expired.',
    });
  });

  it('still refuses a token signed with another key, however often it is sent', async () => {
    const verifier = new AuthVerifier(generateKeys(), 900);
    const { token } = await new TokenSigner(generateKeys(), 900).sign(claims);
    for (let i = 0; i < 2; i++) await expect(verifier.verify(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('forgets the least recently used token past its cache size, and verifies it again when it comes back', async () => {
    const keys = generateKeys();
    const verifier = new AuthVerifier(keys, 900, 2);
    const signer = new TokenSigner(keys, 900);
    const tokens = await Promise.all([1, 2, 3].map((i) => signer.sign({ ...claims, sessionId: `s${i}` })));
    for (const { token } of tokens) await verifier.verify(`Bearer ${token}`);
    // the first was evicted, verified afresh, and is the same person
    expect(await verifier.verify(`Bearer ${tokens[0].token}`)).toMatchObject({ sessionId: 's1' });
    expect((verifier as unknown as { verified: Map<string, unknown> }).verified.size).toBe(2);
  });
});
