/**
 * Statements cancelled with their request (docs/api.md §12): a request answered 503 on timeout must not
 * leave its statement running in the database. Each request's context gets its own handle on the
 * database (`forRequest`): the same pool, but every statement sent through it is remembered in the
 * request's set, and `cancelStatements` asks PostgreSQL to cancel those still running or queued.
 * The driver makes a cancel of a statement that already ended a no-op, so a finished statement is
 * never mistaken for the next one on its connection.
 *
 * A handle per request, not AsyncLocalStorage: on Node 20 the latter turns on promise hooks for
 * every promise of the process, which cost GraphQL requests about 15 % of their rate (measured,
 * docs/performance.md).
 */
import { PostgresJsSession } from 'drizzle-orm/postgres-js';
import type { Db } from './handle.js';

export interface Cancellable {
  cancel(): unknown;
  /**
   * postgres.js' own fields: `state` is set once the statement is sent on a connection, `active`
   * once that connection runs it (a connection pipelines the statements sent to it).
   */
  readonly state?: unknown;
  readonly active?: boolean;
}

/**
 * Whether to cancel this statement now. One sent and waiting behind another on its connection is
 * left to run: PostgreSQL's cancel signal stops whatever its connection runs when it arrives, and
 * the driver would send it only once the statement starts, late enough to stop the next request's
 * statement instead. One still queued in the pool, or running, is cancelled.
 */
function cancellableNow(statement: Cancellable): boolean {
  return !statement.state || statement.active !== false;
}

/**
 * The statements a request sends while it is being answered. Closed once its answer is ready: what
 * a streamed answer sends afterwards (an export's pages) is not kept, or every page's rows would
 * stay in memory until the last one is sent.
 */
export class Statements {
  private readonly sent = new Set<Cancellable>();
  private open = true;

  add(statement: Cancellable): void {
    if (this.open) this.sent.add(statement);
  }

  get size(): number {
    return this.sent.size;
  }

  /** Cancels every statement sent that has not ended. */
  cancel(): void {
    for (const statement of this.sent) if (cancellableNow(statement)) statement.cancel();
    this.close();
  }

  close(): void {
    this.open = false;
    this.sent.clear();
  }
}

/** A driver client whose statements (also inside transactions) go into `statements`. */
function trackingClient<C extends object>(client: C, statements: Statements): C {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property === 'unsafe' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const statement = (value as (...a: unknown[]) => Cancellable).apply(target, args);
          statements.add(statement);
          return statement;
        };
      }
      if (property === 'begin' && typeof value === 'function') {
        return (...args: unknown[]) => {
          const body = args.at(-1) as (tx: object) => unknown;
          return (value as (...a: unknown[]) => unknown).apply(target, [
            ...args.slice(0, -1),
            (tx: object) => body(trackingClient(tx, statements)),
          ]);
        };
      }
      return value;
    },
  });
}

const ROOT = Symbol('the process-wide database handle');

/** The process-wide handle behind a request's handle (for caches that outlive requests). */
export function rootOf(db: Db): Db {
  return (db as Db & { [ROOT]?: Db })[ROOT] ?? db;
}

/**
 * A handle on the `postgres` driver's database whose statements go into `statements`: drizzle's
 * query builders and transactions (its session) and the raw prepared statements of the hot paths
 * (`$client`). Statements prepared once with drizzle's `.prepare()` keep the process-wide client.
 * A request's handle is its client alone; drizzle's session over it is made on first use (the hot
 * paths never use one), from a prototype made once per process.
 */
export function requestDatabase(db: Db, statements: Statements): Db {
  const handle = Object.create(requestPrototype(db)) as { $client: object };
  handle.$client = trackingClient((db as unknown as { $client: object }).$client, statements);
  return handle as unknown as Db;
}

const SESSION = Symbol("a request handle's drizzle session");
const prototypes = new WeakMap<Db, object>();

function requestPrototype(db: Db): object {
  const known = prototypes.get(db);
  if (known) return known;
  const root = db as unknown as {
    dialect: ConstructorParameters<typeof PostgresJsSession>[1];
    session: { options: ConstructorParameters<typeof PostgresJsSession>[3] };
    _: { schema: unknown; fullSchema: unknown; tableNamesMap: unknown };
  };
  const schema = root._.schema
    ? { fullSchema: root._.fullSchema, schema: root._.schema, tableNamesMap: root._.tableNamesMap }
    : undefined;
  const prototype = Object.create(db, {
    [ROOT]: { value: db },
    session: {
      get(this: { $client: object; [SESSION]?: PostgresJsSession<never, never, never> }) {
        return (this[SESSION] ??= new PostgresJsSession(
          this.$client as never,
          root.dialect,
          schema as never,
          root.session.options,
        ));
      },
    },
  }) as object;
  prototypes.set(db, prototype);
  return prototype;
}
