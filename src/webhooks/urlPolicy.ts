/**
 * Where a webhook may point (API.md §10): `https` (plain `http` only with WEBHOOK_ALLOW_HTTP), no
 * credentials in the URL, and a host whose every address is public. Loopback, private, CGNAT and
 * unique-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE; link-local addresses and the
 * cloud metadata endpoints always. Checked when an endpoint is saved and again before every
 * delivery, which then connects to the address it checked (a name that resolves elsewhere a
 * second later cannot redirect it).
 */
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';

export interface UrlPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

export const STRICT_POLICY: UrlPolicy = { allowHttp: false, allowPrivate: false };

/** Cloud metadata services, refused whatever the policy. */
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '168.63.129.16']);
/** Ranges WEBHOOK_ALLOW_PRIVATE opens (ipaddr.js names). */
const PRIVATE_RANGES = new Set(['loopback', 'private', 'uniqueLocal', 'carrierGradeNat']);

/** Why this address may not be reached, or null when it may. */
export function addressRefusal(address: string, policy: UrlPolicy): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address);
  } catch {
    return 'is not an IP address';
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (METADATA.has(parsed.toString())) return 'is a cloud metadata address';
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return `is a ${range.replace(/([A-Z])/g, ' $1').toLowerCase()} address`;
}

export class UrlRefused extends Error {}

/** The URL parsed and its form checked (scheme, no credentials), or UrlRefused. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('is not a URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UrlRefused(policy.allowHttp ? 'must be an http or https URL.' : 'must be an https URL.');
  }
  if (url.username || url.password) throw new UrlRefused('must not carry a user name or password.');
  if (!url.hostname) throw new UrlRefused('has no host.');
  return url;
}

/**
 * The address to connect to for this URL, every address of its host checked: or UrlRefused
 * saying why not (resolution failed, or an address is not allowed).
 */
export async function allowedAddress(url: URL, policy: UrlPolicy): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: { address: string; family: number }[];
  if (ipaddr.isValid(host)) addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }];
  else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true });
    } catch {
      throw new UrlRefused(`has a host that does not resolve (${host}).`);
    }
  }
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, policy);
    if (refusal) throw new UrlRefused(`resolves to ${address}, which ${refusal}; webhooks reach public addresses only.`);
  }
  const [first] = addresses;
  if (!first) throw new UrlRefused(`has a host that does not resolve (${host}).`);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
