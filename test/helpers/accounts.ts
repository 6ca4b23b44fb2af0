/**
 * Signing people up and in through the gateway, for tests of every area.
 *
 *   const alice = await registerUser(t.client);          // a fresh account, signed in
 *   const buyer = await loginDemo(t.client, 'buyer');     // needs startTestStack({ seed: true })
 *   const admin = await mintPerson(t, { roles: ['admin'] }); // a minted token, no account
 *   await alice.client.data(`{ viewer { id } }`);
 */
import crypto from 'node:crypto';
import { TokenSigner } from '../../platform/auth.ts';
import { DEMO } from '../../platform/demo.ts';
import type { GraphQLClient } from './client.ts';
import type { TestStack } from './stack.ts';

/** Someone signed in: a minted person, or any `Account`. */
export interface Person {
  userId: string;
  token: string;
  /** A client signed in as this person (the gateway unless minted `via` another). */
  client: GraphQLClient;
}

export interface Account {
  token: string;
  refreshToken: string;
  userId: string;
  email: string;
  password: string;
  fullName: string;
  /** The given client, signed in with `token`. */
  client: GraphQLClient;
}

export interface RegisterOverrides {
  email?: string;
  password?: string;
  fullName?: string;
}

const AUTH_FIELDS = `accessToken refreshToken viewer { id email fullName } userErrors { field code message }`;

/** Registers a new account with a unique email (or the given fields) and returns it signed in. */
export async function registerUser(client: GraphQLClient, overrides: RegisterOverrides = {}): Promise<Account> {
  const email = overrides.email ?? `user-${crypto.randomUUID().slice(0, 12)}@example.test`;
  const password = overrides.password ?? 'correct-Horse-9-battery';
  const fullName = overrides.fullName ?? 'Test Person';
  const data = await client.as(undefined).data<{ register: any }>(`mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`, {
    input: { email, password, fullName },
  });
  const p = data.register;
  if (p.userErrors.length || !p.accessToken) throw new Error(`register failed: ${JSON.stringify(p.userErrors)}`);
  return { token: p.accessToken, refreshToken: p.refreshToken, userId: p.viewer.id, email, password, fullName, client: client.as(p.accessToken) };
}

/**
 * registerUser, tried again (with a fresh email, up to three times in all) when a
 * loaded machine makes the users subgraph time out (SUBGRAPH_TIMEOUT).
 */
export async function registerUserWithRetry(client: GraphQLClient, overrides: Omit<RegisterOverrides, 'email'> = {}): Promise<Account> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await registerUser(client, overrides);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('SUBGRAPH_TIMEOUT')) throw err;
    }
  }
}

export interface Buyer extends Account {
  /** The id of the buyer's one shipping address. */
  addressId: string;
}

/** A fresh account named Ada Buyer with one shipping address (in Springfield, US), for checkout; registered with retry. */
export async function registerBuyer(client: GraphQLClient): Promise<Buyer> {
  const a = await registerUserWithRetry(client, { fullName: 'Ada Buyer' });
  const r = await a.client.data<{ addShippingAddress: any }>(
    `mutation($input: ShippingAddressInput!) { addShippingAddress(input: $input) { address { id } userErrors { code message } } }`,
    {
      input: { recipientName: 'Ada Buyer', phone: '+1 555 0100', country: 'US', province: 'CA', city: 'Springfield', street: '1 Main St', postalCode: '90210' },
    },
  );
  if (r.addShippingAddress.userErrors.length) throw new Error(JSON.stringify(r.addShippingAddress.userErrors));
  return { ...a, addressId: r.addShippingAddress.address.id };
}

/** Signs in with an email and password; throws when refused. */
export async function login(client: GraphQLClient, email: string, password: string): Promise<Account> {
  const data = await client
    .as(undefined)
    .data<{ login: any }>(`mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`, {
      email,
      password,
    });
  const p = data.login;
  if (p.userErrors.length || !p.accessToken) throw new Error(`login failed: ${JSON.stringify(p.userErrors)}`);
  return {
    token: p.accessToken,
    refreshToken: p.refreshToken,
    userId: p.viewer.id,
    email,
    password,
    fullName: p.viewer.fullName,
    client: client.as(p.accessToken),
  };
}

/** Signs in as the demo buyer or seller (the stack must be started with `seed: true`). */
export async function loginDemo(client: GraphQLClient, who: 'buyer' | 'seller'): Promise<Account> {
  return login(client, who === 'buyer' ? DEMO.buyerEmail : DEMO.sellerEmail, DEMO.password);
}

export interface MintOptions {
  /** The token's roles, e.g. ['admin'] (default none). */
  roles?: string[];
  /** The client to sign in (default the gateway, `t.client`), e.g. an area's direct-to-subgraph debugging client. */
  via?: GraphQLClient;
}

/**
 * A signed-in person without an account: a valid access token of this stack, minted
 * for a fresh user id and good for an hour, so no users-subgraph round trip (nor any profile) is involved.
 */
export async function mintPerson(t: TestStack, opts: MintOptions = {}): Promise<Person> {
  const userId = crypto.randomUUID();
  const { token } = await new TokenSigner(t.keys, 3600).sign({ userId, sessionId: crypto.randomUUID(), roles: opts.roles ?? [] });
  return { userId, token, client: (opts.via ?? t.client).as(token) };
}
