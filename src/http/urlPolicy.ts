/**
 * Where a webhook or a workspace's feed may point (docs/api.md §10, §14): `https` (plain `http` only with WEBHOOK_ALLOW_HTTP), no
 * credentials in the URL, and a host whose every address is public. Loopback, private, CGNAT and
 * unique-local addresses are refused unless WEBHOOK_ALLOW_PRIVATE; link-local addresses and the
 * cloud metadata endpoints always. Checked when an endpoint is saved and again before every
 * delivery, which then connects to the address it checked (a name that resolves elsewhere a
 * second later cannot redirect it).
 */
import { lookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
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
  parsed = embeddedIPv4(parsed) ?? parsed;
  if (METADATA.has(parsed.toString())) return 'is a cloud metadata address';
  const range = parsed.range();
  if (range === 'unicast') return null;
  if (policy.allowPrivate && PRIVATE_RANGES.has(range)) return null;
  return `is a ${range.replace(/([A-Z])/g, ' $1').toLowerCase()} address`;
}

/**
 * The IPv4 address an IPv6 address carries in its last 32 bits, for the two forms that reach it
 * directly (docs/api.md §10): IPv4-mapped `::ffff:a.b.c.d` and the deprecated IPv4-compatible
 * `::a.b.c.d` (`::/96`, which ipaddr.js calls unicast; `::` and `::1` excepted). Null otherwise.
 */
function embeddedIPv4(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | null {
  if (address.kind() !== 'ipv6') return null;
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const [a, b, c, d, e, f, g, h] = v6.parts;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && (g !== 0 || h! > 1)) {
    return new ipaddr.IPv4([g! >> 8, g! & 0xff, h! >> 8, h! & 0xff]);
  }
  return null;
}

export class UrlRefused extends Error {}

/**
 * Why a host name was refused, in one sentence whatever the reason: whether it does not resolve or
 * resolves to a private address is not said, nor the address, so that a key allowed to save
 * webhooks cannot map which internal names exist and where they point (docs/api.md §10).
 */
const NOT_PUBLIC =
  'has a host that does not resolve to public addresses only (a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones).';

/** Said of plain http, which a server started for development may allow. */
const HTTPS_ONLY =
  'must be an https URL (a server started with WEBHOOK_ALLOW_HTTP=true, for development, also takes http).';

/** The URL parsed and its form checked (scheme, no credentials), or UrlRefused. */
export function parseWebhookUrl(raw: string, policy: UrlPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UrlRefused('is not a URL.');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw new UrlRefused(policy.allowHttp ? 'must be an http or https URL.' : HTTPS_ONLY);
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
  const host = url.hostname.startsWith('[') && url.hostname.endsWith(']') ? url.hostname.slice(1, -1) : url.hostname;
  if (ipaddr.isValid(host)) {
    // An address the caller wrote: saying what kind it is tells them nothing new.
    const refusal = addressRefusal(host, policy);
    if (refusal) {
      // Loopback and private ranges are what WEBHOOK_ALLOW_PRIVATE opens; the others stay refused.
      const opens = !policy.allowPrivate && addressRefusal(host, { ...policy, allowPrivate: true }) === null;
      throw new UrlRefused(
        `${refusal}; webhooks and workspace feeds reach public addresses only${opens ? ' (a server started with WEBHOOK_ALLOW_PRIVATE=true, for development, also reaches loopback and private ones)' : ''}.`,
      );
    }
    return { address: host, family: host.includes(':') ? 6 : 4 };
  }
  let addresses: { address: string; family: number }[];
  try {
    addresses = await lookup(host, { all: true, verbatim: true });
  } catch {
    throw new UrlRefused(NOT_PUBLIC);
  }
  const [first] = addresses;
  if (!first || addresses.some(({ address }) => addressRefusal(address, policy) !== null))
    throw new UrlRefused(NOT_PUBLIC);
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** A `lookup` for node:http(s) that answers the checked address whatever the name: the connection goes where the policy looked. */
export function pinnedLookup(address: { address: string; family: 4 | 6 }): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all)
      (callback as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
}

/**
 * The URL's form and every address of its host checked (what a webhook or a workspace's feed may
 * reach, before it is saved and before every request): the URL and the address to connect to, or
 * UrlRefused saying why not.
 */
export async function reachableUrl(
  raw: string,
  policy: UrlPolicy,
): Promise<{ url: URL; address: { address: string; family: 4 | 6 } }> {
  const url = parseWebhookUrl(raw, policy);
  return { url, address: await allowedAddress(url, policy) };
}
