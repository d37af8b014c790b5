/**
 * Whose request this is, for the limits counted per client address (the failed-guess limit of
 * API keys). Behind a reverse proxy every request comes from the proxy's address: with the proxies
 * named in `TRUST_PROXY`, the client is the nearest address in `X-Forwarded-For` that is not one of
 * them (proxy-addr, as Express reads it). Without it the header is ignored, so a caller cannot
 * name itself someone else.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type ClientAddress = (req: IncomingMessage) => string | undefined;

/** `loopback`, `linklocal`, `uniquelocal`, addresses and CIDR ranges, comma-separated; or an Error saying why not. */
export function parseTrustedProxies(value: string | undefined): string[] | Error {
  const entries = (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  try {
    proxyAddr.compile(entries);
  } catch (error) {
    return new Error(
      `TRUST_PROXY must be comma-separated addresses, CIDR ranges, or loopback, linklocal, uniquelocal: ${(error as Error).message}`,
    );
  }
  return entries;
}

export function clientAddressOf(trustedProxies: readonly string[]): ClientAddress {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress;
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => proxyAddr(req, trust);
}
