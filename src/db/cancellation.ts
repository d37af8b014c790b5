/**
 * Statements cancelled with their request (API.md §12): a request answered 503 on timeout must not
 * leave its statement running in the database. Every statement the `postgres` driver sends while a
 * request runs is remembered under that request (AsyncLocalStorage follows it through every
 * `await`), and `cancel` asks PostgreSQL to cancel those still running or queued. The driver makes a
 * cancel of a statement that already ended a no-op, so a finished statement is never mistaken for
 * the next one on its connection.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

interface Cancellable {
  cancel(): unknown;
}

const statementsOfRequest = new AsyncLocalStorage<Set<Cancellable>>();

export interface Tracked<T> {
  result: Promise<T>;
  /** Cancels every statement the work has sent that has not ended. */
  cancel(): void;
}

/** Runs `work`, remembering the statements it sends. */
export function trackStatements<T>(work: () => Promise<T>): Tracked<T> {
  const statements = new Set<Cancellable>();
  return {
    result: statementsOfRequest.run(statements, work),
    cancel: () => {
      for (const statement of statements) statement.cancel();
      statements.clear();
    },
  };
}

/** A driver client whose statements (also inside transactions) are remembered under the running request. */
export function trackingClient<C extends object>(client: C): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'unsafe' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const statement = (value as (...a: unknown[]) => Cancellable).apply(target, args);
          statementsOfRequest.getStore()?.add(statement);
          return statement;
        };
      }
      if (property === 'begin' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const body = args.at(-1) as (tx: object) => unknown;
          return (value as (...a: unknown[]) => unknown).apply(target, [...args.slice(0, -1), (tx: object) => body(trackingClient(tx))]);
        };
      }
      return value;
    },
  });
}
