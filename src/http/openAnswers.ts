/**
 * Long answers counted per caller, in this process (docs/api.md §12): event streams and subscriptions
 * per key and per workspace, exports per key. One over the count is refused with 429
 * `rate_limited`; a slot is given back when its answer ends or its client goes, whichever is first.
 */
import type { Principal } from '../auth/principal.js';
import { ApiError } from '../core/errors.js';
import { MAX_EXPORTS_PER_KEY, MAX_STREAMS_PER_KEY, MAX_STREAMS_PER_WORKSPACE } from './limits.js';

export interface OpenAnswerLimits {
  streamsPerKey: number;
  streamsPerWorkspace: number;
  exportsPerKey: number;
}

const DEFAULT_LIMITS: OpenAnswerLimits = {
  streamsPerKey: MAX_STREAMS_PER_KEY,
  streamsPerWorkspace: MAX_STREAMS_PER_WORKSPACE,
  exportsPerKey: MAX_EXPORTS_PER_KEY,
};

/** How long a refused caller is told to wait: streams and exports end in seconds to minutes. */
const RETRY_AFTER_S = 30;
/** An envelope is stored within a few seconds at the largest. */
const ENVELOPE_RETRY_AFTER_S = 5;

class Counter {
  private readonly counts = new Map<string, number>();
  get(id: string): number {
    return this.counts.get(id) ?? 0;
  }
  add(id: string, delta: number): void {
    const next = this.get(id) + delta;
    if (next <= 0) this.counts.delete(id);
    else this.counts.set(id, next);
  }
}

export class OpenAnswers {
  /** Key id -> the request whose envelope it is writing now. */
  private readonly envelopesByKey = new Map<string, string>();
  private readonly streamsByKey = new Counter();
  private readonly streamsByWorkspace = new Counter();
  private readonly exportsByKey = new Counter();
  private readonly limits: OpenAnswerLimits;

  constructor(limits: Partial<OpenAnswerLimits> = {}) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Envelopes being added now, one per key at most (for tests and metrics). */
  get openEnvelopes(): number {
    return this.envelopesByKey.size;
  }

  /** Takes a stream slot, or throws `rate_limited`. Returns its release, also run when `signal` aborts. */
  openStream(caller: Principal, signal: AbortSignal): () => void {
    const { key, workspace } = caller;
    if (this.streamsByKey.get(key.id) >= this.limits.streamsPerKey) {
      throw refused(`this API key already has ${this.limits.streamsPerKey} open event streams; close one first.`);
    }
    if (this.streamsByWorkspace.get(workspace.id) >= this.limits.streamsPerWorkspace) {
      throw refused(
        `the workspace already has ${this.limits.streamsPerWorkspace} open event streams; close one first.`,
      );
    }
    this.streamsByKey.add(key.id, 1);
    this.streamsByWorkspace.add(workspace.id, 1);
    return releaseOnce(signal, () => {
      this.streamsByKey.add(key.id, -1);
      this.streamsByWorkspace.add(workspace.id, -1);
    });
  }

  /**
   * Takes the key's envelope slot (a TAXII POST: up to 10 MiB, parsed and stored in one statement)
   * for this request, or throws `rate_limited`: one per key at a time in this process (docs/api.md §12),
   * taken before the body is read, so that parallel POSTs of one key never hold several envelopes in
   * memory. The same request taking it again (the route, then its resolver) gets the same slot.
   */
  openEnvelope(caller: Principal, requestId: string, signal: AbortSignal): () => void {
    const holder = this.envelopesByKey.get(caller.key.id);
    if (holder === requestId) return () => {};
    if (holder !== undefined)
      throw refused('this API key is already adding an envelope; wait for its status.', ENVELOPE_RETRY_AFTER_S);
    this.envelopesByKey.set(caller.key.id, requestId);
    return releaseOnce(signal, () => {
      if (this.envelopesByKey.get(caller.key.id) === requestId) this.envelopesByKey.delete(caller.key.id);
    });
  }

  /** Takes an export slot, or throws `rate_limited`. */
  openExport(caller: Principal, signal: AbortSignal): () => void {
    if (this.exportsByKey.get(caller.key.id) >= this.limits.exportsPerKey) {
      throw refused(`this API key already has ${this.limits.exportsPerKey} exports running; wait for one to finish.`);
    }
    this.exportsByKey.add(caller.key.id, 1);
    return releaseOnce(signal, () => this.exportsByKey.add(caller.key.id, -1));
  }
}

function refused(reason: string, retryAfter = RETRY_AFTER_S): ApiError {
  return new ApiError('rate_limited', `Rate limit exceeded: ${reason}`, { retryAfter });
}

function releaseOnce(signal: AbortSignal, release: () => void): () => void {
  let released = false;
  const once = () => {
    if (released) return;
    released = true;
    signal.removeEventListener('abort', once);
    release();
  };
  if (signal.aborted) queueMicrotask(once);
  else signal.addEventListener('abort', once, { once: true });
  return once;
}
