/**
 * The failed-guess limit counts per client address. Behind a reverse proxy every client is the
 * proxy: with `TRUST_PROXY` naming it, `X-Forwarded-For` says who the client is; without, the
 * header is ignored and cannot be used to look like someone else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/keyFormat.js';
import { parseTrustedProxies } from '../../src/http/clientAddress.js';
import { createTestApp, type TestApp } from '../support/app.js';

/** A well-formed key no one holds: each one costs a lookup, and counts as a failure. */
const guess = () => generateApiKey().key;

async function ask(url: string, forwardedFor: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/iocs?limit=1`, {
    headers: { authorization: `Bearer ${guess()}`, 'x-forwarded-for': forwardedFor },
  });
  await response.arrayBuffer();
  return response.status;
}

describe.each([
  { trusted: true, name: 'with TRUST_PROXY=loopback, each forwarded client has its own allowance' },
  { trusted: false, name: 'without TRUST_PROXY, X-Forwarded-For changes nothing: the socket is the client' },
])('$name', ({ trusted }) => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    t = await createTestApp({
      verifier: { maxFailuresPerAddress: 3 },
      app: { trustedProxies: trusted ? ['loopback'] : [] },
    });
    server = await t.listen();
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });

  it('refuses the fourth failure of one client, and only that client when the proxy is trusted', async () => {
    // Three failures, each claiming another address: one client behind a trusted proxy, or
    // three "clients" that are really one socket.
    const first = trusted
      ? ['198.51.100.1', '198.51.100.1', '198.51.100.1']
      : ['198.51.100.1', '198.51.100.2', '198.51.100.3'];
    for (const address of first) expect(await ask(server.url, address)).toBe(401);
    expect(await ask(server.url, trusted ? '198.51.100.1' : '198.51.100.4')).toBe(429);
    // Another client: its own allowance behind a trusted proxy; the same socket's otherwise.
    expect(await ask(server.url, '203.0.113.9')).toBe(trusted ? 401 : 429);
    // Behind a trusted proxy the nearest untrusted address counts, not one the client prepends.
    if (trusted) expect(await ask(server.url, '203.0.113.50, 198.51.100.1')).toBe(429);
  });
});

describe('TRUST_PROXY', () => {
  it('takes addresses, ranges and the named groups, and refuses anything else with what it takes', () => {
    expect(parseTrustedProxies('loopback, 10.0.0.0/8 ,192.0.2.1')).toEqual(['loopback', '10.0.0.0/8', '192.0.2.1']);
    expect(parseTrustedProxies(undefined)).toEqual([]);
    const refused = parseTrustedProxies('proxy.example');
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(
      /^TRUST_PROXY must be comma-separated addresses, CIDR ranges, or loopback, linklocal, uniquelocal: /,
    );
  });
});
