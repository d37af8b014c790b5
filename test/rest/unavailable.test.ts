/** A database that cannot be reached: 503 `unavailable` in every dialect and on GraphQL, never a hang. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { serverUrl } from '../support/database.js';

describe.skipIf(!serverUrl)('with the database gone', () => {
  let t: TestApp;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    const { id } = await t.createWorkspace({ scope: { domains: ['example.com'] } });
    key = (await t.createKey(id)).key;
    // The key is verified and cached while the database is there.
    expect((await t.fetch('/api/v1/iocs', { headers: { 'x-api-key': key } })).status).toBe(200);
    await t.database.close();
  });
  afterAll(() => t.close());

  it.each([
    ['/api/v1/iocs', 'soc'],
    ['/api/v1/watchlists', 'defendis'],
    ['/api/v1/dataleaks/domain?domain=example.com', 'defendis'],
  ])('%s answers 503 in the %s dialect', async (path, dialect) => {
    const response = await t.fetch(path, { headers: { 'x-api-key': key } });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    const requestId = response.headers.get('x-request-id');
    expect(text).toBe(
      dialect === 'soc'
        ? JSON.stringify(
            {
              error: {
                code: 'unavailable',
                message: 'The service is temporarily unavailable. Retry later.',
                request_id: requestId,
              },
            },
            null,
            2,
          )
        : '{ "error": "Service unavailable" }',
    );
  });

  it('GraphQL answers 503 with code unavailable', async () => {
    const answer = await t.graphql(key, '{ iocs { edges { cursor } } }');
    expect(answer.status).toBe(503);
    expect(answer.body.errors![0]!.extensions).toEqual({ code: 'unavailable', request_id: answer.requestId });
  });

  it('readiness says not ready', async () => {
    const response = await t.fetch('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not_ready', reason: 'database unreachable' });
  });
});
