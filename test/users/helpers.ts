/** GraphQL documents and small helpers for the users tests. */
import crypto from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { sql } from 'drizzle-orm';
import { AUDIENCE, ISSUER } from '../../platform/auth.ts';
import type { TestStack } from '../helpers/stack.ts';

export const USER_FIELDS = `id email fullName gender photoUrl phone fax zip contactAddress organization securityLevel hasSecurityQuestion createdAt
  shippingAddresses { id recipientName phone country province city street postalCode isDefault }`;
export const ERRORS = `userErrors { field code message }`;

export const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken viewer { ${USER_FIELDS} } ${ERRORS} } }`;
export const LOGIN = `mutation($email: String!, $password: String!) { login(email: $email, password: $password) { accessToken refreshToken viewer { id email } ${ERRORS} } }`;
export const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken refreshToken viewer { id } ${ERRORS} } }`;
export const VIEWER = `{ viewer { ${USER_FIELDS} } }`;
export const LOGOUT = `mutation { logout }`;
export const UPDATE_PROFILE = `mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { ${USER_FIELDS} } ${ERRORS} } }`;
export const CHANGE_PASSWORD = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) { accessToken refreshToken viewer { id securityLevel } ${ERRORS} } }`;
export const CHANGE_EMAIL = `mutation($p: String!, $e: String!, $a: String) { changeEmail(password: $p, newEmail: $e, securityAnswer: $a) { user { id email } ${ERRORS} } }`;
export const SET_QUESTION = `mutation($p: String!, $q: String!, $a: String!) { setSecurityQuestion(password: $p, question: $q, answer: $a) { user { id hasSecurityQuestion securityLevel } ${ERRORS} } }`;
export const ADD_ADDRESS = `mutation($input: ShippingAddressInput!) { addShippingAddress(input: $input) { address { id isDefault country } user { id shippingAddresses { id isDefault } } ${ERRORS} } }`;
export const UPDATE_ADDRESS = `mutation($id: ID!, $input: ShippingAddressInput!) { updateShippingAddress(id: $id, input: $input) { address { id isDefault city country } user { id shippingAddresses { id isDefault } } ${ERRORS} } }`;
export const REMOVE_ADDRESS = `mutation($id: ID!) { removeShippingAddress(id: $id) { user { id shippingAddresses { id isDefault } } ${ERRORS} } }`;
export const DEACTIVATE = `mutation($p: String!, $e: String!, $r: String) { deactivateAccount(password: $p, confirmEmail: $e, reason: $r) { deactivated ${ERRORS} } }`;

export function address(overrides: Record<string, unknown> = {}) {
  return {
    recipientName: 'Ada Lovelace',
    phone: '+44 20 7946 0000',
    country: 'GB',
    province: null,
    city: 'London',
    street: '12 St James Square',
    postalCode: 'SW1Y 4JH',
    ...overrides,
  };
}

/** A token signed with our key but already expired. */
export async function expiredToken(privatePem: string, userId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: crypto.randomUUID(), roles: [] })
    .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
    .setSubject(userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now - 3600)
    .setExpirationTime(now - 60)
    .sign(await importPKCS8(privatePem, 'EdDSA'));
}

/** An unsigned token (`alg: none`) claiming to be someone. */
export function algNoneToken(userId: string): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: userId, sid: crypto.randomUUID(), iss: ISSUER, aud: AUDIENCE, exp: now + 600 })}.`;
}

/** POST a query straight to a subgraph, past the gateway, with the subgraph secret. */
export async function callSubgraph(url: string, secret: string, query: string, token?: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-subgraph-secret': secret,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
}

/**
 * One operation per subgraph that needs a signed-in viewer: a refused token
 * (revoked, expired, invalid) is answered UNAUTHENTICATED there, while public
 * fields such as `__typename` still answer as for a guest (docs/operations.md).
 */
export const NEEDS_VIEWER = {
  users: '{ viewer { id } }',
  catalog: 'mutation { openStore(input: { name: "Refused" }) { store { id } } }',
  orders: '{ order(id: "00000000-0000-0000-0000-000000000000") { id } }',
  messaging: '{ conversation(id: "00000000-0000-0000-0000-000000000000") { id } }',
  promotions: 'mutation { claimCoupon(code: "REFUSED") { userErrors { code } } }',
} as const;

export const codeOf = (r: { errors?: { extensions?: Record<string, any> }[] }) => r.errors?.[0]?.extensions?.code;

/**
 * Marks an account's email verified straight in the users database, for tests
 * of operations that need security level MEDIUM but are not about email
 * (verification itself is tested through real email in email.test.ts).
 */
export async function markEmailVerified(t: TestStack, userId: string): Promise<void> {
  await t.stack.subgraphs.users.db.drizzle.execute(sql`update users.users set email_verified = true where id = ${userId}`);
}

/** Starting the whole graph (and its demo data) can be slow on a busy machine. */
export const STACK_START_TIMEOUT_MS = 180_000;
