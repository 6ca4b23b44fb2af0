/**
 * Signing people up and in through the gateway, for tests of every area.
 *
 *   const alice = await registerUser(t.client);          // a fresh account, signed in
 *   const buyer = await loginDemo(t.client, 'buyer');     // needs startTestStack({ seed: true })
 *   await alice.client.data(`{ viewer { id } }`);
 */
import crypto from 'node:crypto';
import { DEMO } from '../../subgraphs/kit/demo.ts';
import type { GraphQLClient } from './client.ts';

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
  const data = await client.as(undefined).data<{ register: any }>(
    `mutation Register($input: RegisterInput!) { register(input: $input) { ${AUTH_FIELDS} } }`,
    { input: { email, password, fullName } },
  );
  const p = data.register;
  if (p.userErrors.length || !p.accessToken) throw new Error(`register failed: ${JSON.stringify(p.userErrors)}`);
  return { token: p.accessToken, refreshToken: p.refreshToken, userId: p.viewer.id, email, password, fullName, client: client.as(p.accessToken) };
}

/** Signs in with an email and password; throws when refused. */
export async function login(client: GraphQLClient, email: string, password: string): Promise<Account> {
  const data = await client.as(undefined).data<{ login: any }>(
    `mutation Login($email: String!, $password: String!) { login(email: $email, password: $password) { ${AUTH_FIELDS} } }`,
    { email, password },
  );
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
