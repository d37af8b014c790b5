/**
 * What one leaked credential or card becomes before it is stored (docs/api.md §9). This is the only
 * place that ever holds a password or a full card number: a password leaves as its mask, its SHA-1
 * and (only to be counted) its NTLM hash, a card number as its BIN and last four digits. Reasons for refusing a record never quote
 * the record.
 */
import { hash } from 'node:crypto';
import { createMD4 } from 'hash-wasm';
import { domainKey, normalizeDomain, normalizeEmail } from '../core/normalize.js';

export interface Credential {
  email: string | null;
  domain: string | null;
  domainKey: string | null;
  username: string;
  site: string | null;
  siteKey: string | null;
  passwordMasked: string;
  passwordSha1: Buffer;
  /** The password's NTLM hash, counted for the range search's NTLM mode; never stored with the leak. */
  passwordNtlm: Buffer;
}

export interface Card {
  bin: string;
  last4: string;
  expiry: string | null;
  brand: string | null;
}

/** A record refused, and why (in words that quote nothing of it). */
export class Rejected {
  constructor(readonly reason: string) {}
}

const MAX_LOGIN = 320;

/**
 * PostgreSQL's text cannot hold U+0000 (docs/api.md §12): a record with one is refused here, with its
 * line, instead of failing the batch it would have been copied with.
 */
const NUL_REASON = 'the record holds a NUL byte, which cannot be stored';
const hasNul = (...texts: (string | null | undefined)[]) => texts.some((text) => text?.includes('\u0000'));
const MAX_PASSWORD = 1024;

/** First and last character with `*` between; `****` for 4 characters or fewer (code points). */
export function maskPassword(password: string): string {
  // Without surrogate pairs, UTF-16 units are code points: no need to split the string.
  const characters = /[\uD800-\uDFFF]/.test(password) ? [...password] : password;
  if (characters.length <= 4) return '****';
  return `${characters[0]}${'*'.repeat(characters.length - 2)}${characters[characters.length - 1]}`;
}

export function passwordSha1(password: string): Buffer {
  return hash('sha1', password, 'buffer');
}

/** MD4, which OpenSSL 3 (and so node:crypto) no longer offers, from hash-wasm: made once, used in turn. */
const md4 = await createMD4();

/** Windows' NTLM hash of a password: MD4 of its UTF-16LE bytes. */
export function passwordNtlm(password: string): Buffer {
  md4.init();
  md4.update(Buffer.from(password, 'utf16le'));
  return Buffer.from(md4.digest('binary'));
}

/**
 * Domain keys of the domains seen lately: a leak file names the same few thousand domains again
 * and again. Emptied when full, so that it stays small whatever the input.
 */
const domainKeys = new Map<string, string>();
function cachedDomainKey(domain: string): string {
  let key = domainKeys.get(domain);
  if (key === undefined) {
    if (domainKeys.size >= 10_000) domainKeys.clear();
    key = domainKey(domain);
    domainKeys.set(domain, key);
  }
  return key;
}

/** The host of a URL as stored in `site`, with its index key, or a rejection. */
export function siteOf(url: string): { site: string; siteKey: string | null } | Rejected {
  const text = url.trim();
  if (text === '') return new Rejected('the URL is empty');
  let host: string;
  try {
    // A bare host (`sso.acme.example/login`) is read as if it had a scheme.
    host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`).hostname;
  } catch {
    return new Rejected('the URL has no host');
  }
  if (host === '') return new Rejected('the URL has no host');
  const domain = normalizeDomain(host);
  // An IP address or a one-label name is kept as the site, but no domain search can reach it.
  return domain ? { site: domain, siteKey: cachedDomainKey(domain) } : { site: host.toLowerCase(), siteKey: null };
}

/**
 * A credential from its login, password and (when known) the URL where it was used. A login with
 * `@` must be an email address; any other login is a user name.
 */
export function credentialOf(login: string, password: string, url: string | null): Credential | Rejected {
  if (hasNul(login, password, url)) return new Rejected(NUL_REASON);
  const trimmed = login.trim();
  if (trimmed === '') return new Rejected('no login');
  if (trimmed.length > MAX_LOGIN || /[\s\u0000-\u001f]/.test(trimmed))
    return new Rejected('the login is not a user name or an email address');
  if (password === '') return new Rejected('no password');
  if (password.length > MAX_PASSWORD) return new Rejected(`the password is longer than ${MAX_PASSWORD} characters`);
  let site: { site: string; siteKey: string | null } | null = null;
  if (url !== null) {
    const found = siteOf(url);
    if (found instanceof Rejected) return found;
    site = found;
  }
  let email: string | null = null;
  let domain: string | null = null;
  let username = trimmed;
  if (trimmed.includes('@')) {
    email = normalizeEmail(trimmed);
    if (email === null) return new Rejected('the login is not a valid email address');
    const at = email.lastIndexOf('@');
    username = email.slice(0, at);
    domain = email.slice(at + 1);
  }
  return {
    email,
    domain,
    domainKey: domain && cachedDomainKey(domain),
    username,
    site: site?.site ?? null,
    siteKey: site?.siteKey ?? null,
    passwordMasked: maskPassword(password),
    passwordSha1: passwordSha1(password),
    passwordNtlm: passwordNtlm(password),
  };
}

/** `MM/YY` from `MM/YY`, `MM/YYYY`, `MM-YY`, `MMYY` or `YYYY-MM`. */
export function normalizeExpiry(input: string): string | null {
  const text = input.trim();
  let month: string | undefined;
  let year: string | undefined;
  let found = /^(\d{1,2})\s*[/-]\s*(\d{2}|\d{4})$/.exec(text);
  if (found) [, month, year] = found;
  else if ((found = /^(\d{4})-(\d{2})$/.exec(text))) [, year, month] = found;
  else if ((found = /^(\d{2})(\d{2})$/.exec(text))) [, month, year] = found;
  if (!month || !year) return null;
  const m = Number(month);
  if (m < 1 || m > 12) return null;
  return `${String(m).padStart(2, '0')}/${year.slice(-2)}`;
}

/** The card network a BIN belongs to, by its leading digits. */
export function brandOf(bin: string): string | null {
  const two = Number(bin.slice(0, 2));
  const four = Number(bin.slice(0, 4));
  if (bin.startsWith('4')) return 'visa';
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if (two === 34 || two === 37) return 'amex';
  if (bin.startsWith('6011') || bin.startsWith('65') || (four >= 6440 && four <= 6499)) return 'discover';
  if (four >= 3528 && four <= 3589) return 'jcb';
  if (two === 36 || two === 38 || two === 39 || /^30[0-5]/.test(bin)) return 'diners';
  if (bin.startsWith('62')) return 'unionpay';
  return null;
}

/**
 * A card from either a full number (`pan`: cut to its BIN, 8 digits of a 16-digit or longer
 * number, else 6, and its last four, here and now) or a BIN and last four.
 */
export function cardOf(fields: {
  pan?: string | undefined;
  bin?: string | undefined;
  last4?: string | undefined;
  expiry?: string | undefined;
  brand?: string | undefined;
}): Card | Rejected {
  if (hasNul(fields.pan, fields.bin, fields.last4, fields.expiry, fields.brand)) return new Rejected(NUL_REASON);
  let bin: string;
  let last4: string;
  const pan = fields.pan?.replace(/[\s-]/g, '') ?? '';
  if (pan !== '') {
    if (!/^\d{12,19}$/.test(pan)) return new Rejected('pan is not a card number (12 to 19 digits)');
    bin = pan.slice(0, pan.length >= 16 ? 8 : 6);
    last4 = pan.slice(-4);
  } else {
    bin = fields.bin?.replace(/[\s-]/g, '') ?? '';
    last4 = fields.last4?.trim() ?? '';
    if (bin === '' && last4 === '') return new Rejected('neither pan nor bin and last4');
    if (!/^\d{6,8}$/.test(bin)) return new Rejected('bin must be 6 to 8 digits');
    if (!/^\d{4}$/.test(last4)) return new Rejected('last4 must be 4 digits');
  }
  let expiry: string | null = null;
  if (fields.expiry !== undefined && fields.expiry.trim() !== '') {
    expiry = normalizeExpiry(fields.expiry);
    if (expiry === null) return new Rejected('expiry must be a month and year, e.g. 08/27');
  }
  const brand = fields.brand?.trim().toLowerCase().slice(0, 40) || brandOf(bin);
  return { bin, last4, expiry, brand };
}
