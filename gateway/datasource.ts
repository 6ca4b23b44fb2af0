/**
 * How the gateway talks to a subgraph: the subgraph secret, the viewer's
 * token and the request id on every fetch.
 */
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { REQUEST_ID_HEADER, SECRET_HEADER } from '../subgraphs/kit/server.ts';
import type { GatewayContext } from './context.ts';

export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    readonly name: string,
    url: string,
    private readonly secret: string,
  ) {
    super({ url });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http!.headers;
    headers.set(SECRET_HEADER, this.secret);
    const ctx = context as Partial<GatewayContext>;
    if (ctx.viewer) headers.set('authorization', `Bearer ${ctx.viewer.token}`);
    if (ctx.requestId) headers.set(REQUEST_ID_HEADER, ctx.requestId);
  }
}
