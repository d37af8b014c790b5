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
import type { Principal } from '../auth/principal.js';
import type { Db } from '../db/handle.js';
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
export function contextMaker(services: ProcessServices) {
  const { loaders, ...shared } = services;
  class RequestContext {
    readonly loaders: Loaders;
    constructor(
      readonly requestId: string,
      readonly principal: Principal,
      readonly db: Db,
      private readonly request: { readonly signal: AbortSignal },
    ) {
      this.loaders = loaders(db);
    }
    get signal(): AbortSignal {
      return this.request.signal;
    }
  }
  Object.assign(RequestContext.prototype, shared);
  return (requestId: string, principal: Principal, db: Db, request: { readonly signal: AbortSignal }): Context =>
    new RequestContext(requestId, principal, db, request) as RequestContext & Services & { openAnswers: OpenAnswers };
}

/**
 * The context with every field its own, for Yoga (subscriptions): it merges the context it is
 * given into its own with `Object.assign`, which reads own properties only, and the services and
 * `signal` of a request's context live on its prototype.
 */
export function withOwnFields(context: Context): Context {
  const copy: Record<string, unknown> = {};
  for (const key in context) copy[key] = context[key as keyof Context];
  copy.signal = context.signal;
  return copy as unknown as Context;
}
