/**
 * An exclusion list's entries (docs/api.md §13), as people write them: an exact value of any IOC
 * type, a CIDR range (IPv4 or IPv6: it holds `/`) or a domain suffix (it starts with `.`:
 * `.example.com` covers example.com, every subdomain, and URLs and emails at them). Each is checked
 * and put in the one form it is stored and matched in.
 */
import ipaddr from 'ipaddr.js';
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

/**
 * A CIDR range with its host bits cleared (`10.1.2.3/8` is `10.0.0.0/8`), IPv6 in RFC 5952's form,
 * parsed by ipaddr.js. IPv4 only in four-part decimal (`10.0.0/8` and `0x0a.0.0.0/8` are refused).
 */
function cidrOf(text: string): ExclusionEntry | string {
  const refused = `${JSON.stringify(text.slice(0, 100))} is not a CIDR range`;
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let bits: number;
  try {
    [address, bits] = ipaddr.parseCIDR(text);
  } catch {
    return refused;
  }
  if (address.kind() === 'ipv4') {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text.slice(0, text.indexOf('/')))) return refused;
    return { kind: 'cidr', value: `${ipaddr.IPv4.networkAddressFromCIDR(text).toString()}/${bits}` };
  }
  return { kind: 'cidr', value: `${ipaddr.IPv6.networkAddressFromCIDR(text).toRFC5952String()}/${bits}` };
}
