/**
 * TAXII 2.1's media type in requests (docs/api.md §11): an answer only to an `Accept` that names it
 * (406 otherwise, as the OASIS reference server does: a bare wildcard names no TAXII version), and
 * a POST body only under it (415 otherwise).
 */
import { parse as parseContentType } from 'content-type';
import Negotiator from 'negotiator';
import { TAXII_MEDIA_TYPE } from './collections.js';

const TAXII_TYPE = 'application/taxii+json';

export function acceptsTaxii(accept: string | null): boolean {
  if (accept === null) return false;
  const negotiator = new Negotiator({ headers: { accept } });
  // Named (without a q of 0), and with version 2.1 or none: `version=2.0` alone does not match.
  return negotiator.mediaTypes().includes(TAXII_TYPE) && negotiator.mediaType([TAXII_MEDIA_TYPE]) !== undefined;
}

export function isTaxiiContentType(contentType: string | null): boolean {
  if (contentType === null) return false;
  const { type, parameters } = parseContentType(contentType);
  return type === TAXII_TYPE && (parameters.version === undefined || parameters.version === '2.1');
}
