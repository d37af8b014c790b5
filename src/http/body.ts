/**
 * The one body reader (docs/api.md §12): every route that takes a body reads it here, after the key
 * was admitted, at most MAX_BODY_BYTES (413 beyond), UTF-8, and JSON no deeper than MAX_JSON_DEPTH.
 */
import { invalidParameter } from '../core/errors.js';
import type { Incoming } from './exchange.js';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './limits.js';

/** Bodies must be well-formed UTF-8; one decoder serves every request (it keeps no state between calls). */
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readBody(request: Incoming, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return request.body(limit);
}

/** The body's text, or `invalid_parameter` naming `body` when it is not UTF-8. */
export function bodyText(raw: Uint8Array): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw invalidParameter('body', 'is not valid UTF-8.');
  }
}

/** Parses JSON text, refusing what nests deeper than MAX_JSON_DEPTH before JSON.parse recurses into it. */
export function parseJson(text: string): unknown {
  if (nestsDeeperThan(text, MAX_JSON_DEPTH))
    throw invalidParameter('body', `nests deeper than ${MAX_JSON_DEPTH} levels.`);
  try {
    return JSON.parse(text);
  } catch {
    throw invalidParameter('body', 'is not valid JSON.');
  }
}

/** Reads the request's body as JSON: the limit (MAX_BODY_BYTES unless a route says), UTF-8 and depth checks, then the parse. */
export async function readJson(request: Incoming, limit = MAX_BODY_BYTES): Promise<unknown> {
  return parseJson(bodyText(await readBody(request, limit)));
}

/** Counts brackets outside strings; one pass, no allocation. */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}
