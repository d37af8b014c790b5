/**
 * An exclusion list's entries (docs/api.md §13), as people write them: an exact value of any IOC
 * type, a CIDR range (IPv4 or IPv6: it holds `/`) or a domain suffix (it starts with `.`:
 * `.example.com` covers example.com, every subdomain, and URLs and emails at them). Each is checked
 * and put in the one form it is stored and matched in.
 */
import { isIP } from 'node:net';
import { detectIoc, normalizeIocValue } from '../core/normalize.js';

export type ExclusionKind = 'value' | 'cidr' | 'suffix';

export interface ExclusionEntry {
  kind: ExclusionKind;
  /** The canonical value, CIDR range (`198.51.100.0/24`) or domain (`example.com`, no dot). */
  value: string;
}

export const MAX_ENTRY_LENGTH = 2048;

/** The entry in its stored form, or why it is refused. */
export function parseExclusionEntry(input: string): ExclusionEntry | string {
  const text = input.trim();
  if (!text) return 'an entry is empty';
  if (text.length > MAX_ENTRY_LENGTH) return `an entry is longer than ${MAX_ENTRY_LENGTH} characters`;
  if (text.startsWith('.')) {
    const domain = normalizeIocValue('domain', text.slice(1));
    return domain ? { kind: 'suffix', value: domain } : `${JSON.stringify(text)} is not a domain suffix`;
  }
  if (text.includes('/')) return cidrOf(text);
  const ioc = detectIoc(text);
  return ioc
    ? { kind: 'value', value: ioc.value }
    : `${JSON.stringify(text.slice(0, 100))} is not an IOC value, a CIDR range or a domain suffix`;
}

/** A CIDR range with its host bits cleared (`10.1.2.3/8` is `10.0.0.0/8`), as PostgreSQL's `cidr` prints it. */
function cidrOf(text: string): ExclusionEntry | string {
  const refused = `${JSON.stringify(text.slice(0, 100))} is not a CIDR range`;
  const [address = '', prefix = '', ...rest] = text.split('/');
  const family = isIP(address);
  if (rest.length > 0 || family === 0 || !/^\d{1,3}$/.test(prefix)) return refused;
  const bits = Number(prefix);
  const width = family === 4 ? 32 : 128;
  if (bits > width) return refused;
  const value = family === 4 ? ipv4Bits(address) : ipv6Bits(address);
  if (value === null) return refused;
  const masked = bits === 0 ? 0n : (value >> BigInt(width - bits)) << BigInt(width - bits);
  return { kind: 'cidr', value: `${family === 4 ? ipv4Text(masked) : ipv6Text(masked)}/${bits}` };
}

function ipv4Bits(address: string): bigint | null {
  const parts = address.split('.').map(Number);
  return parts.length === 4 && parts.every((p) => Number.isInteger(p) && p >= 0 && p <= 255)
    ? parts.reduce((sum, part) => (sum << 8n) | BigInt(part), 0n)
    : null;
}

const ipv4Text = (bits: bigint) => [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 255n)).join('.');

function ipv6Bits(address: string): bigint | null {
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) as two groups.
  let text = address.toLowerCase();
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = ipv4Bits(tail);
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest === undefined ? [] : rest ? rest.split(':') : [];
  const groups =
    rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.reduce((sum, group) => (sum << 16n) | BigInt(`0x${group}`), 0n);
}

/** RFC 5952's form: lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
function ipv6Text(bits: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((bits >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = { at: -1, length: 1 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > best.length) best = { at: i, length: end - i };
    i = end;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(':');
  return `${hex.slice(0, best.at).join(':')}::${hex.slice(best.at + best.length).join(':')}`;
}
