/**
 * A subscription as Server-Sent Events (`GET /api/v1/iocs/stream`, `/api/v1/alerts/stream`): each
 * result becomes `id: <cursor>`, `event: ioc` (or `alert`), `data: <the IOC or alert>`. A browser's EventSource, or any client, sends
 * the last id back as `Last-Event-ID` when it reconnects, and the stream resumes right after it.
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import type { Context } from '../graphql/context.js';
import { asApiError } from '../core/errors.js';
import type { Outgoing } from '../http/exchange.js';
import { at, type PreparedRoute } from './operations.js';

/** A comment line this often keeps proxies from closing a quiet stream, and notices a gone client. */
const HEARTBEAT_MS = 15_000;

export async function eventStreamAnswer(
  route: PreparedRoute,
  context: Context,
  variables: Record<string, unknown>,
): Promise<Outgoing> {
  const started = await route.operation.subscribe(context, variables);
  if (!(Symbol.asyncIterator in started)) {
    const [first] = started.errors ?? [];
    throw first instanceof GraphQLError && first.originalError
      ? first.originalError
      : (first ?? new Error('the subscription did not start'));
  }
  const { field, event } = route.route.response.kind === 'events' ? route.route.response : { field: '', event: '' };
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
    body: events(started, field, event),
  };
}

async function* events(
  results: AsyncIterableIterator<ExecutionResult>,
  field: string,
  event: string,
): AsyncGenerator<string> {
  // Sent at once, so that the client sees the stream open; `retry` is how long it waits to reconnect.
  yield 'retry: 2000\n\n';
  let next = results.next();
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const beat = new Promise<'beat'>((resolve) => (timer = setTimeout(() => resolve('beat'), HEARTBEAT_MS)));
      let result: IteratorResult<ExecutionResult> | 'beat';
      try {
        result = await Promise.race([next, beat]).finally(() => clearTimeout(timer));
      } catch (error) {
        // The source ended with an error (the key was revoked, the database went away).
        yield errorEvent(error);
        return;
      }
      if (result === 'beat') {
        yield ': keep-alive\n\n';
        continue;
      }
      if (result.done) return;
      next = results.next();
      const [error] = result.value.errors ?? [];
      if (error) {
        yield errorEvent(error);
        return;
      }
      const change = at(result.value.data, field) as Record<string, unknown> & { cursor: string };
      yield `id: ${change.cursor}\nevent: ${event}\ndata: ${JSON.stringify(change[event])}\n\n`;
    }
  } finally {
    await results.return?.();
  }
}

/** The last event of a stream that failed: its §4 code and message. */
function errorEvent(error: unknown): string {
  const { code, message } = asApiError(error);
  return `event: error\ndata: ${JSON.stringify({ code, message })}\n\n`;
}
