/**
 * How a subgraph runs one subscription for graphql-ws (its `subscribe` and
 * `onOperation` hooks): graphql-js's `createSourceEventStream`, then
 * `execute` per event, as graphql-js's own `subscribe` does, relayed with a
 * Repeater (@repeaterjs/repeater) so that a client leaving ends the event
 * stream at once, even while it waits for an event.
 *
 * Nothing is shared between two subscriptions here: each has its own
 * context, its own event stream, its own executions. Sharing is decided once,
 * in the gateway (gateway/subscriptions/sharing.ts), by who the answers are
 * for: the gateway opens one upstream subscription per audience.
 */
import { Repeater } from '@repeaterjs/repeater';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { leaving } from './live.ts';
import { LIVE_POSITION, positionPayload, startPositionOf } from './positions.ts';

/**
 * `source`'s values mapped by `map`, after `first` when given; `return()`
 * reaches the source at once; an error of the source ends the relay with it.
 */
function relay<T, R>(source: AsyncIterator<T>, map: (value: T) => Promise<R> | R, first?: R): AsyncIterableIterator<R> {
  const relayed = new Repeater<R>(async (push, stop) => {
    let left = false;
    void stop.then(() => {
      left = true;
      void source.return?.();
    });
    try {
      if (first !== undefined) await push(first);
      for (;;) {
        const r = await source.next();
        if (r.done || left) break;
        await push(await map(r.value));
      }
      stop();
    } catch (err) {
      stop(err);
    }
  });
  return leaving(relayed, () => void source.return?.());
}

/** graphql-ws's `subscribe`: graphql-js's, keeping where the event stream starts (positions.ts). */
export async function subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const source = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
  const events = source as AsyncIterableIterator<unknown>;
  const results = relay(events, (event) => execute({ ...args, rootValue: event }) as Promise<ExecutionResult> | ExecutionResult);
  const position = startPositionOf(events);
  return position === undefined ? results : Object.assign(results, { [LIVE_POSITION]: position });
}

/**
 * The results of a subscription that starts at a known position, with that
 * position first (a `next` with only `extensions.position`), for a client
 * that asked for it; anything else unchanged.
 */
export function withStartPosition<R>(result: R): R | AsyncIterableIterator<ExecutionResult> {
  const position = startPositionOf(result);
  if (position === undefined || result === null || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return result;
  const results = (result as AsyncIterable<ExecutionResult>)[Symbol.asyncIterator]();
  return relay(results, (r) => r, positionPayload(String(position)));
}
