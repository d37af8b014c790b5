import type { Principal } from './auth/principal.js';

/** Facts about one request gathered on its way through, for its response headers and log line. */
export interface RequestState {
  readonly requestId: string;
  principal?: Principal;
}
