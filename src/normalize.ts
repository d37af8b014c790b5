/**
 * Input normalisation (API.md §5), in one place: every scope check, lookup and stored value goes
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
const MAX_INPUT = 1024;

/** Lower case, no trailing dot, IDN as punycode; a hostname of two labels or more, not an IP. */
export function normalizeDomain(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  let text = input.trim();
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (!text) return null;
  // Plain ASCII names (nearly all) need no IDN processing, only lower case.
  const lower = text.toLowerCase();
  const ascii = /^[a-z0-9.-]+$/.test(lower) && !lower.includes('xn--') ? lower : domainToASCII(text).toLowerCase();
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

export const IOC_TYPES = ['ipv4', 'ipv6', 'domain', 'url', 'email', 'md5', 'sha1', 'sha256'] as const;
export type IocType = (typeof IOC_TYPES)[number];

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

/** Order matters: an IP is also a string of digits and dots, a URL also holds a domain. */
const DETECTION_ORDER: readonly IocType[] = ['ipv4', 'ipv6', 'md5', 'sha1', 'sha256', 'url', 'email', 'domain'];

/** Finds what kind of indicator a free-form value is, and its canonical form. */
export function detectIoc(input: string): { type: IocType; value: string } | null {
  if (input.length > MAX_IOC_VALUE) return null;
  const text = refang(input);
  for (const type of DETECTION_ORDER) {
    const value = IOC_NORMALIZERS[type](text);
    if (value !== null) return { type, value };
  }
  return null;
}
