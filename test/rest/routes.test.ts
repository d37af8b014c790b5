/**
 * Every route of the table, old and new, against the ways a caller can abuse it (API.md §2, §12):
 * no key (401 in the route's dialect), a body over 1 MiB (413, nothing read past the limit) and a
 * body that never finishes (503 once the request's time is up, the connection not held forever).
 * Other workspaces' ids are the fuzz test's and each family's own tests' concern.
 */
import { connect } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectForPath } from '../../src/rest/dialects.js';
import { ROUTES } from '../../src/rest/routes.js';
import { createTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let key: string;
let server: { url: string; close(): Promise<void> };

beforeAll(async () => {
  t = await createTestApp({ app: { requestTimeoutMs: 1000 } });
  key = (await t.createKey((await t.createWorkspace()).id)).key;
  server = await t.listen();
});
afterAll(async () => {
  await server.close();
  await t.close();
});

const SAMPLE: Record<string, string> = { prefix: 'abcde' };
const pathOf = (pattern: string) => pattern.replace(/\{(\w+)\}/g, (_, name: string) => SAMPLE[name] ?? '00000000-0000-4000-8000-000000000000');
const withBody = ROUTES.filter((route) => route.body);

function expectDialect(path: string, status: number, text: string, code: string) {
  if (dialectForPath(path) === 'soc') expect(JSON.parse(text).error.code, text).toBe(code);
  else expect(text).toMatch(/^\{ "error": "[^"]+" \}$/);
  expect(status, text).toBe(code === 'missing_api_key' ? 401 : code === 'payload_too_large' ? 413 : 503);
}

describe.each(ROUTES.map((route) => ({ name: `${route.method} ${route.path}`, route })))('$name', ({ route }) => {
  it('without a key: 401 in its dialect', async () => {
    const path = pathOf(route.path);
    const response = await t.fetch(path, { method: route.method, ...(route.body ? { body: '{}' } : {}) });
    expectDialect(path, response.status, await response.text(), 'missing_api_key');
  });
});

describe.each(withBody.map((route) => ({ name: `${route.method} ${route.path}`, route })))('$name, its body', ({ route }) => {
  it('over 1 MiB: 413, and nothing stored', async () => {
    const path = pathOf(route.path);
    const before = await t.database.rows<{ n: number }>(sql`select (select count(*) from iocs) + (select count(*) from watchlists) + (select count(*) from webhook_endpoints) as n`);
    const response = await t.fetch(path, { method: route.method, headers: { authorization: `Bearer ${key}` }, body: `{"x":"${'x'.repeat(1024 * 1024)}"}` });
    expectDialect(path, response.status, await response.text(), 'payload_too_large');
    expect(await t.database.rows(sql`select (select count(*) from iocs) + (select count(*) from watchlists) + (select count(*) from webhook_endpoints) as n`)).toEqual(before);
  });

  it('that never finishes: 503 when the request’s time is up', async () => {
    const path = pathOf(route.path);
    const url = new URL(server.url);
    const socket = connect(Number(url.port), url.hostname);
    let answer = '';
    socket.on('data', (chunk) => (answer += String(chunk)));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`${route.method} ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${key}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"iocs":`);
    const started = Date.now();
    while (!answer.includes('\r\n\r\n') && Date.now() - started < 5000) await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    await closed;
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 503 Service Unavailable');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
