/**
 * The requests printed in the two source documents (the Defendis and SOC Defenders API pages), sent verbatim with curl to a
 * real HTTP server on a loopback port, and the documented failures answered byte for byte.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertIocs } from '../support/fixtures.js';

const run = promisify(execFile);
let t: TestApp;
let server: { url: string; close(): Promise<void> };
let key: string;

beforeAll(async () => {
  t = await createTestApp();
  const { id } = await t.createWorkspace({ scope: { domains: ['example.com'] } });
  key = (await t.createKey(id)).key;
  await insertIocs(
    t.database.db,
    Array.from({ length: 12 }, (_, i) => ({ type: 'ipv4' as const, value: `203.0.113.${i + 1}` })),
  );
  await t.graphql(
    key,
    'mutation { createWatchlist(input: { name: "Brand", entries: [{ type: DOMAIN, value: "example.com" }] }) { id } }',
  );
  server = await t.listen();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

/** Runs a command line of the seeds through the shell, with the server in place of the vendor host. */
async function shell(commandLine: string, env: Record<string, string> = {}) {
  const line = commandLine.replace(/https:\/\/(api\.defendis\.ai|socdefenders\.ai)/g, server.url);
  const { stdout } = await run('bash', ['-c', line], { env: { ...process.env, ...env } });
  return stdout;
}

describe('the Defendis page', () => {
  it('answers its example request with the watchlists', async () => {
    const out = await shell(
      'curl -sS \\\n  -H "Authorization: Bearer ${DEFENDIS_API_KEY}" \\\n  "https://api.defendis.ai/api/v1/watchlists"',
      { DEFENDIS_API_KEY: key },
    );
    const body = JSON.parse(out);
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({ name: 'Brand', entries: [{ type: 'domain', value: 'example.com' }] });
  });

  it('prints its two common failures byte for byte', async () => {
    const missing = await shell('curl -sS -i "https://api.defendis.ai/api/v1/watchlists"');
    expect(missing.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(missing.split('\r\n\r\n')[1]).toBe('{ "error": "Missing API key" }');
    const invalid = await shell(
      'curl -sS -i -H "Authorization: Bearer sk_live_not-a-real-key" "https://api.defendis.ai/api/v1/watchlists"',
    );
    expect(invalid.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(invalid.split('\r\n\r\n')[1]).toBe('{ "error": "Invalid or revoked API key" }');
  });
});

describe('the SOC Defenders page', () => {
  it.each([
    [
      'Authorization header',
      'curl -H "Authorization: Bearer sk_live_YOUR_KEY" \\\n  "https://socdefenders.ai/api/v1/iocs?type=ipv4&limit=10"',
    ],
    [
      'X-API-Key header',
      'curl -H "X-API-Key: sk_live_YOUR_KEY" \\\n  "https://socdefenders.ai/api/v1/iocs?type=ipv4&limit=10"',
    ],
  ])('answers its %s example with ten IPv4 IOCs', async (_name, command) => {
    const body = JSON.parse(await shell(command.replace('sk_live_YOUR_KEY', key)));
    expect(body.data).toHaveLength(10);
    expect(body.data.every((ioc: { type: string }) => ioc.type === 'ipv4')).toBe(true);
    expect(body.pagination).toEqual({ limit: 10, next_cursor: expect.any(String), has_more: true });
  });

  it('prints its missing-key failure byte for byte, with the request id of the header', async () => {
    const out = await shell('curl -sS -i "https://socdefenders.ai/api/v1/iocs?type=ipv4&limit=10"');
    const [head, body] = out.split('\r\n\r\n');
    expect(head!.split('\r\n')[0]).toBe('HTTP/1.1 401 Unauthorized');
    const requestId = /x-request-id: (req_[0-9a-f]{24})/i.exec(head!)![1];
    expect(body).toBe(
      '{\n  "error": {\n    "code": "missing_api_key",\n    "message": "API key is required. Include it in the Authorization header as \\"Bearer sk_live_...\\" or in the X-API-Key header.",\n' +
        `    "request_id": "${requestId}"\n  }\n}`,
    );
  });
});
