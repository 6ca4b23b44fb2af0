/**
 * A client's subscribe message checked and planned, as HTTP checks a query:
 * parsed with the HTTP path's limits and validated against the API schema
 * (once per distinct text: the document cache, platform/subscriptions/
 * documents.ts), only a subscription (queries and mutations: BAD_REQUEST),
 * its variables coerced (BAD_USER_INPUT), then planned (planner.ts).
 */
import type { DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { DocumentCache } from '../../platform/subscriptions/documents.ts';
import type { Logger } from '../../platform/log.ts';
import { withoutSuggestions } from '../errors.ts';
import { operationLimitsRule, parseOperation, type Limits } from '../limits.ts';
import { GraphQLError, getOperationAST, getVariableValues, NoSchemaIntrospectionCustomRule, parse, specifiedRules, validate } from './graphql.ts';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner.ts';

export interface PreparedSubscription {
  document: DocumentNode;
  operationName: string | undefined;
  /** The coerced variables. */
  variables: Record<string, unknown>;
  plan: SubscriptionPlan;
}

const refuse = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

/** A function checking and planning subscribe messages: the prepared subscription, or the errors to answer. */
export function subscriptionPreparer(
  planner: SubscriptionPlanner,
  production: boolean,
  limits: Limits | undefined,
  log: Logger,
): (payload: SubscribePayload) => PreparedSubscription | GraphQLError[] {
  const rules = [...specifiedRules, ...(production ? [NoSchemaIntrospectionCustomRule] : []), ...(limits ? [operationLimitsRule(limits)] : [])];
  // most clients send the same few subscriptions: each text parsed (with the limits) and validated once
  const documents = new DocumentCache({
    parse: (query) => (limits ? parseOperation(query, limits) : parse(query)),
    validate: (document) => validate(planner.schema, document, rules),
  });
  /** An error message as a client may see it: in production without "Did you mean …" (security.ts). */
  const message = production ? withoutSuggestions : (m: string) => m;

  return (payload) => {
    let checked;
    try {
      checked = documents.get(payload.query);
    } catch (err) {
      const e = err as { message?: string; extensions?: Record<string, unknown> };
      if (e.extensions?.code && e.extensions.code !== 'GRAPHQL_PARSE_FAILED') return [new GraphQLError(String(e.message), { extensions: e.extensions })];
      return refuse(typeof e.message === 'string' ? e.message : 'Syntax error', 'GRAPHQL_PARSE_FAILED');
    }
    if (checked.errors.length) {
      return checked.errors.map(
        (e) =>
          new GraphQLError(message(e.message), {
            nodes: e.nodes,
            extensions: { ...e.extensions, code: e.extensions.code ?? 'GRAPHQL_VALIDATION_FAILED' },
          }),
      );
    }
    const document = checked.document;
    const operationName = payload.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    if (!operation) return refuse('Unable to identify the operation.', 'BAD_REQUEST');
    if (operation.operation !== 'subscription') {
      return refuse('Only subscriptions are served over the websocket; send queries and mutations over HTTP.', 'BAD_REQUEST');
    }
    const coerced = getVariableValues(planner.schema, operation.variableDefinitions ?? [], payload.variables ?? {});
    if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(message(e.message), { extensions: { code: 'BAD_USER_INPUT' } }));
    try {
      return { document, operationName, variables: coerced.coerced, plan: planner.plan(document, operationName, coerced.coerced, payload.query) };
    } catch (err) {
      if (err instanceof GraphQLError)
        return [new GraphQLError(message(err.message), { extensions: { code: (err.extensions.code as string) ?? 'BAD_REQUEST' } })];
      log.error('subscription planning failed', { err });
      return refuse('Internal server error', 'INTERNAL_SERVER_ERROR');
    }
  };
}
