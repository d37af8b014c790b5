/**
 * Input normalisation (API.md §5), in one place: every scope check, lookup and stored value goes
 * through these functions first. Each returns the canonical form, or null when the input is not
 * what it claims to be.
 */
import { domainToASCII } from 'node:url';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const MAX_INPUT = 1024;

/** Lower case, no trailing dot, IDN as punycode; a hostname of two labels or more, not an IP. */
export function normalizeDomain(input: string): string | null {
  if (input.length > MAX_INPUT) return null;
  let text = input.trim();
  if (text.endsWith('.')) text = text.slice(0, -1);
  if (!text) return null;
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
