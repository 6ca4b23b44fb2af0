/**
 * One event of a subscription, completed with the fields of other subgraphs.
 *
 * executeQueryPlan refuses a SubscriptionNode and has no way to seed its
 * initial data, so the event goes in as the result of a fetch: a plan
 * `Sequence [primary', rest]` where `primary'` is the planned primary fetch
 * pointed at a one-shot data source answering with the event's data. The
 * rest then runs exactly as for a query (entity fetches on the other
 * subgraphs, with the viewer's token, through the gateway's own data
 * sources), and executeQueryPlan shapes the response to the client's
 * selection (dropping the gateway's cursor alias).
 */
import { executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import type { ExecutionResult } from 'graphql';
import { GraphQLError } from './graphql.ts';
import type { GatewayContext } from '../context.ts';
import { CURSOR_ALIAS, type SubscriptionPlanner, type SubscriptionPlan } from './planner.ts';

const EVENT_SERVICE = '__subscription_event__';

export async function executeEvent(
  planner: SubscriptionPlanner,
  services: ServiceMap,
  plan: SubscriptionPlan,
  eventData: Record<string, unknown>,
  context: GatewayContext,
  variables: Record<string, unknown>,
  query: string,
): Promise<ExecutionResult> {
  if (plan.direct) return directResult(plan, eventData);
  const seed: FetchNode = { ...plan.primary, serviceName: EVENT_SERVICE };
  const queryPlan: QueryPlan = {
    kind: 'QueryPlan',
    node: plan.rest ? { kind: 'Sequence', nodes: [seed, plan.rest] } : seed,
  };
  const eventSource: GraphQLDataSource = {
    process: async () => ({ data: eventData }),
  };
  const requestContext = {
    request: { query, variables, operationName: plan.operationContext.operation.name?.value },
    context,
    logger: undefined,
    metrics: {},
    cache: undefined,
    overallCachePolicy: undefined,
    operation: plan.operationContext.operation,
    operationName: plan.operationContext.operation.name?.value ?? null,
  } as unknown as GatewayGraphQLRequestContext<GatewayContext>;
  const result = await executeQueryPlan(
    queryPlan,
    { ...services, [EVENT_SERVICE]: eventSource },
    requestContext,
    plan.operationContext,
    planner.supergraphSchema,
    planner.apiSchema,
  );
  return { data: result.data ?? null, ...(result.errors?.length ? { errors: result.errors.map(toGraphQLError) } : {}) };
}

/** A direct plan's event (`plan.direct`): already the client's shape, only the gateway's cursor alias goes. */
export function directResult(plan: SubscriptionPlan, eventData: Record<string, unknown>): ExecutionResult {
  const root = eventData[plan.rootKey];
  if (root && typeof root === 'object' && !Array.isArray(root)) {
    const { [CURSOR_ALIAS]: _cursor, ...rest } = root as Record<string, unknown>;
    return { data: { ...eventData, [plan.rootKey]: rest } };
  }
  return { data: eventData };
}

function toGraphQLError(e: unknown): GraphQLError {
  if (e instanceof GraphQLError) return e;
  return new GraphQLError(e instanceof Error ? e.message : 'Internal server error');
}
