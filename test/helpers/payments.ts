/**
 * Test helpers for payments: payOrders with any payment input, saved methods,
 * Transactions, and webhooks posted to the gateway as a provider would.
 */
import crypto from 'node:crypto';
import type { GraphQLClient } from './client.ts';

const ERR = 'userErrors { field code message }';
export const PAYMENT_FIELDS = 'id status method amount { amount } nextActionUrl';
export const METHOD_FIELDS = 'id method brand last4 expMonth expYear isDefault';

export const P = {
  pay: `mutation($ids: [ID!]!, $payment: PaymentInput!, $key: String!) {
    payOrders(orderIds: $ids, payment: $payment, idempotencyKey: $key) { payment { ${PAYMENT_FIELDS} } orders { id status } ${ERR} } }`,
  save: `mutation($method: PaymentMethod!, $token: String!, $makeDefault: Boolean) {
    savePaymentMethod(method: $method, token: $token, makeDefault: $makeDefault) {
      savedPaymentMethod { ${METHOD_FIELDS} } user { id savedPaymentMethods { ${METHOD_FIELDS} } } ${ERR} } }`,
  remove: `mutation($id: ID!) { removePaymentMethod(id: $id) { user { id savedPaymentMethods { ${METHOD_FIELDS} } } ${ERR} } }`,
  methods: `{ viewer { id savedPaymentMethods { ${METHOD_FIELDS} } } }`,
  transactions: `query($first: Int, $after: String) { viewer { transactions(first: $first, after: $after) {
    edges { cursor node { id kind status method amount { amount } orders { id status } createdAt } } pageInfo { hasNextPage endCursor } } } }`,
  securityQuestion: `mutation($password: String!) { setSecurityQuestion(password: $password, question: "First pet?", answer: "Rex") { user { securityLevel } userErrors { code message } } }`,
};

/** Raises an account to security level MEDIUM (or above) with a security question, as a person would. */
export async function raiseSecurityLevel(a: { client: GraphQLClient; password: string }): Promise<void> {
  const r = await a.client.data<{ setSecurityQuestion: any }>(P.securityQuestion, { password: a.password });
  if (r.setSecurityQuestion.userErrors.length) throw new Error(JSON.stringify(r.setSecurityQuestion.userErrors));
}

export interface PaymentInput {
  method?: 'CARD' | 'PAYPAL' | 'LOCAL';
  token?: string;
  savedPaymentMethodId?: string;
}

export async function payWith(p: { client: GraphQLClient }, ids: string[], payment: PaymentInput, key: string = crypto.randomUUID()) {
  return (await p.client.data<{ payOrders: any }>(P.pay, { ids, payment: { method: 'CARD', ...payment }, key })).payOrders;
}

export async function saveMethod(p: { client: GraphQLClient }, method: 'CARD' | 'PAYPAL' | 'LOCAL', token: string, makeDefault?: boolean) {
  return (await p.client.data<{ savePaymentMethod: any }>(P.save, { method, token, makeDefault })).savePaymentMethod;
}

export async function transactions(p: { client: GraphQLClient }, first?: number, after?: string) {
  return (await p.client.data<{ viewer: any }>(P.transactions, { first, after })).viewer.transactions;
}

/** POSTs a webhook to the gateway (`<gateway>/webhooks/<provider>`) as the provider would. */
export async function postWebhook(gatewayUrl: string, provider: string, payload: string, signature?: string): Promise<{ status: number; body: any }> {
  const res = await fetch(gatewayUrl.replace(/\/graphql$/, `/webhooks/${provider}`), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
    body: payload,
  });
  return { status: res.status, body: await res.json() };
}
