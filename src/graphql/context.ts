/**
 * What every resolver sees. The context knows no data family: each one that a resolver needs a
 * process-wide service of (the IOC change feed, the alert feed, the webhook settings, the
 * watchlists' loaders) adds it to `Services` where it is defined, by declaration merging:
 *
 *   declare module '../graphql/context.js' { interface Services { readonly changes: IocChangeFeed } }
 *
 * and the edge (src/edge/app.ts), which sees every floor, hands the services in. So this floor sits
 * below the data families, and their schema files import it, never the other way round.
 */
import type { ExecutionResult } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { isDatabaseUnavailable } from '../core/faults.js';
import type { Statements } from '../db/cancellation.js';
import type { Db } from '../db/handle.js';
import type { ReadRouting } from '../db/replicas.js';
import type { OpenAnswers } from '../http/openAnswers.js';

/** What a process shares with every request's context; each data family adds its own. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Services {}

/** Per-request loaders (one query for the rows of many parents); each data family adds its own. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface Loaders {}

/** Built once per request, after the key was verified, never changed. */
export interface Context extends Services {
  readonly requestId: string;
  readonly principal: Principal;
  readonly db: Db;
  readonly loaders: Loaders;
  /** Streams and exports counted per caller (docs/api.md §12). */
  readonly openAnswers: OpenAnswers;
  /** Aborted when the client goes away: long answers stop their work then. */
  readonly signal: AbortSignal;
  /**
   * Runs a read-only operation on a read replica that has replayed the workspace's last write, when
   * replicas are configured and one is ready (src/db/replicas.ts), else on this context's database;
   * once more on the primary when the replica turns out to be unreachable (it then takes no reads
   * until found well again). Where a request reads is decided once, for all its operations.
   */
  reading(run: (context: Context) => Promise<ExecutionResult>): Promise<ExecutionResult>;
  /** After a write: the workspace's next reads go to a replica only once it has replayed it. */
  wrote(): Promise<void>;
}

/** What the edge knows of a request that its context uses: the signal, the statements, and where its reads went. */
export interface ContextRequest {
  readonly signal: AbortSignal;
  readonly statements: Statements;
  /** `primary` or a replica's name, once the request has read (the request log says it when replicas are set). */
  database?: string;
}

/** What the edge gives: the services, the counter of open answers, and how a request's loaders are made. */
export type ProcessServices = Services & { readonly openAnswers: OpenAnswers; readonly loaders: (db: Db) => Loaders };

/**
 * The one way a context is made, for GraphQL and REST requests alike: `db` is the request's own
 * handle (its statements can be cancelled), `request` gives the signal when asked.
 *
 * Made once per process: the services sit on the class's prototype, so a request's context is five
 * fields and a getter (an object literal with a getter and the services spread into it cost about
 * 6 µs a request, 2 % of the IOC listing's CPU; this costs 0.5).
 */
export function contextMaker(services: ProcessServices, routing: ReadRouting | null = null) {
  const { loaders, ...shared } = services;
  class RequestContext {
    readonly loaders: Loaders;
    /** Where this request reads: a replica's context and name, or this one (null). */
    private reads: Promise<{ context: Context; replica: string | null }> | undefined;
    constructor(
      readonly requestId: string,
      readonly principal: Principal,
      readonly db: Db,
      private readonly request: ContextRequest,
    ) {
      this.loaders = loaders(db);
    }
    get signal(): AbortSignal {
      return this.request.signal;
    }
    private onPrimary(): { context: Context; replica: null } {
      return { context: this as unknown as Context, replica: null };
    }
    async reading(run: (context: Context) => Promise<ExecutionResult>): Promise<ExecutionResult> {
      if (!routing) return run(this as unknown as Context);
      this.reads ??= routing.readerFor(this.principal.workspace.id).then((reader) => {
        this.request.database = reader?.name ?? 'primary';
        if (!reader) return this.onPrimary();
        const db = reader.database.forRequest(this.request.statements);
        const context = new RequestContext(this.requestId, this.principal, db, this.request) as unknown as Context;
        return { context, replica: reader.name };
      });
      const { context, replica } = await this.reads;
      const result = await run(context);
      const unreachable = replica && result.errors?.find((error) => isDatabaseUnavailable(error.originalError));
      if (!unreachable) return result;
      routing.unavailable(replica, unreachable.originalError);
      // This request's reads stay on the primary from here (an export's later pages too).
      this.reads = Promise.resolve(this.onPrimary());
      this.request.database = 'primary';
      return run(this as unknown as Context);
    }
    async wrote(): Promise<void> {
      if (!routing) return;
      this.request.database = 'primary';
      await routing.wrote(this.principal.workspace.id);
    }
  }
  Object.assign(RequestContext.prototype, shared);
  return (requestId: string, principal: Principal, db: Db, request: ContextRequest): Context =>
    new RequestContext(requestId, principal, db, request) as unknown as Context;
}

/**
 * The context with every field its own, for Yoga (subscriptions): it merges the context it is
 * given into its own with `Object.assign`, which reads own properties only, and the services,
 * `signal` and the methods of a request's context live on its prototype.
 */
export function withOwnFields(context: Context): Context {
  const copy: Record<string, unknown> = {};
  const fields = context as unknown as Record<string, unknown>;
  for (const key in context) copy[key] = fields[key];
  copy.signal = context.signal;
  copy.reading = (run: (context: Context) => Promise<ExecutionResult>) => context.reading(run);
  copy.wrote = () => context.wrote();
  return copy as unknown as Context;
}
