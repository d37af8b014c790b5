/**
 * Input normalisation (docs/api.md §5), in one place: every scope check, lookup and stored value goes
 * through these functions first. Each returns the canonical form, or null when the input is not
 * what it claims to be.
 */
import { domainToASCII } from 'node:url';
import { isIPv4, isIPv6 } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Free text (names, descriptions, keywords, search prefixes): trimmed, at most `max` characters,
 * no control characters (PostgreSQL text cannot hold NUL, and no one means to send the others),
 * and well-formed Unicode: a lone surrogate (`"\ud800"` in JSON) is no character at all, and
 * PostgreSQL refuses it inside `jsonb`.
 */
export function normalizeText(input: string, max: number): string | null {
  const text = input.trim();
  if (text.length === 0 || text.length > max || /[\u0000-\u001f\u007f]|\p{Cs}/u.test(text)) return null;
  return text;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
/** What the rules below accept of plain lower-case ASCII, in one pass: two labels or more, the last not all digits. */
const ASCII_HOSTNAME = /^(?:(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?![0-9]+$)(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_INPUT = 1024;

/** Lower case, no trailing dot, IDN as punycode; a hostname of two labels or more, not an IP. */
export function normalizeDomain(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  let text = input.trim();
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (!text) return null;
  // Nearly every name is plain ASCII without punycode: one expression decides it, either way
  // (lookups detect up to 1000 values).
  const lower = text.toLowerCase();
  if (/^[a-z0-9.-]+$/.test(lower) && !lower.includes('xn--')) {
    return lower.length <= 253 && ASCII_HOSTNAME.test(lower) ? lower : null;
  }
  // No ASCII but letters, digits, hyphens and dots: Node's domainToASCII reads its input as a URL
  // host, and would keep `example.com` of `example.com/x` or turn `%41` into `a`.
  if (/[\x00-\x2c\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]/.test(text)) return null;
  // Names in other scripts, or already in punycode, go through IDN processing.
  const ascii = domainToASCII(text).toLowerCase();
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((label) => LABEL.test(label))) return null;
  // A top-level domain is never all digits: that is an IPv4 address, not a domain.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}

/** Trimmed, lower-cased, with its domain normalised as above. */
export function normalizeEmail(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  const text = input.trim().toLowerCase();
  const at = text.lastIndexOf('@');
  if (at <= 0) return null;
  const local = text.slice(0, at);
  const domain = normalizeDomain(text.slice(at + 1));
  if (!domain || local.length > 64 || !/^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+$/.test(local)) return null;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  return `${local}@${domain}`;
}

/** Digits only (spaces and dashes dropped), 6 to 8 of them. */
export function normalizeBin(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  const digits = input.trim().replace(/[\s-]/g, '');
  return /^\d{6,8}$/.test(digits) ? digits : null;
}

/** `mail.example.com` -> `com.example.mail.`: the index key that makes "and its subdomains" a range. */
export function domainKey(domain: string): string {
  return `${domain.split('.').reverse().join('.')}.`;
}

import type { IocType } from './vocabulary.js';

export { IOC_TYPES, type IocType } from './vocabulary.js';

const HASH_LENGTHS = { md5: 32, sha1: 40, sha256: 64 } as const;
const MAX_IOC_VALUE = 2048;

/**
 * Undoes the usual defanging of shared indicators: `hxxp(s)`, `[.]`, `(.)`, `{.}`, `[dot]`,
 * `[@]`, `(@)`, `[at]`, `[:]`, `[://]`.
 */
const DEFANGED = /[[({]|^(hxxp|fxp)/i;

export function refang(input: string): string {
  const text = input.trim();
  // Most values were never defanged: skip the rewriting for them.
  if (!DEFANGED.test(text)) return text;
  return text
    .replace(/^hxxp(s?)(?=(\[:\]|:|\[:\/\/\]))/i, 'http$1')
    .replace(/^fxp(?=(\[:\]|:))/i, 'ftp')
    .replace(/\[:\/\/\]/g, '://')
    .replace(/\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}/gi, '.')
    .replace(/\[(?:@|at)\]|\((?:@|at)\)|\{(?:@|at)\}/gi, '@')
    .replace(/\[:\]/g, ':');
}

// Node's own checks first: they are cheap, and most values of a lookup are not addresses at all
// (ipaddr.js builds and throws away objects for every failed guess).

/** Dotted decimal, four parts, no leading zeros (Node refuses those as ambiguous octal). */
function normalizeIpv4(input: string): string | null {
  return isIPv4(input) ? input : null;
}

function normalizeIpv6(input: string): string | null {
  const text = input.startsWith('[') && input.endsWith(']') ? input.slice(1, -1) : input;
  if (text.includes('%') || !isIPv6(text)) return null;
  return ipaddr.IPv6.parse(text).toRFC5952String();
}

function normalizeHash(input: string, length: number): string | null {
  return input.length === length && /^[0-9a-f]+$/i.test(input) ? input.toLowerCase() : null;
}

/** Scheme and host lower-cased, IDN host as punycode, default port dropped; path kept as sent. */
function normalizeUrl(input: string): string | null {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) return null;
  try {
    const url = new URL(input);
    if (!url.hostname) return null;
    return url.href;
  } catch {
    return null;
  }
}

const IOC_NORMALIZERS: Record<IocType, (value: string) => string | null> = {
  ipv4: normalizeIpv4,
  ipv6: normalizeIpv6,
  domain: normalizeDomain,
  url: normalizeUrl,
  email: normalizeEmail,
  md5: (v) => normalizeHash(v, HASH_LENGTHS.md5),
  sha1: (v) => normalizeHash(v, HASH_LENGTHS.sha1),
  sha256: (v) => normalizeHash(v, HASH_LENGTHS.sha256),
};

/** The canonical form of a value of a known type (after refanging), or null when it is not one. */
export function normalizeIocValue(type: IocType, input: string): string | null {
  if (input.length > MAX_IOC_VALUE) return null;
  return IOC_NORMALIZERS[type](refang(input));
}

/**
 * The one type a value can be, told by its shape: `://` only in URLs, `@` only in emails, `:`
 * otherwise only in IPv6 addresses, hex digits alone only in hashes (by length), digits and dots
 * alone only in IPv4 addresses; anything else can only be a domain. One normaliser runs per value
 * instead of up to eight (Node's IPv6 check alone is a long regular expression): lookups detect up
 * to 1000 values per request.
 */
function candidateType(text: string): IocType | null {
  if (text.includes('://')) return 'url';
  if (text.includes('@')) return 'email';
  if (text.includes(':')) return 'ipv6';
  if (/^[0-9a-f]+$/i.test(text)) {
    const hash = (Object.keys(HASH_LENGTHS) as (keyof typeof HASH_LENGTHS)[]).find(
      (type) => HASH_LENGTHS[type] === text.length,
    );
    return hash ?? null;
  }
  if (/^[0-9.]+$/.test(text)) return 'ipv4';
  return 'domain';
}

/** Finds what kind of indicator a free-form value is, and its canonical form. */
export function detectIoc(input: string): { type: IocType; value: string } | null {
  if (input.length > MAX_IOC_VALUE) return null;
  const text = refang(input);
  const type = candidateType(text);
  const value = type === null ? null : IOC_NORMALIZERS[type](text);
  return value === null ? null : { type: type!, value };
}
