/** `GET /api/v1/openapi.json`: valid OpenAPI 3.1, built from the route table, true to the answers. */
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/edge/schema.js';
import { buildOpenApiDocument } from '../../src/rest/openapi.js';
import { prepareRoutes, restView } from '../../src/rest/operations.js';
import { ROUTES, type RestRoute } from '../../src/rest/routes.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { insertCardLeaks, insertCredentialLeaks, insertIocs } from '../support/fixtures.js';

let t: TestApp;
let key: string;
let document: any;

beforeAll(async () => {
  t = await createTestApp();
  const { id } = await t.createWorkspace({ scope: { domains: ['example.com'], bins: ['411111'] } });
  key = (await t.createKey(id)).key;
  await insertIocs(t.database.db, [{ type: 'ipv4', value: '203.0.113.9', tags: ['c2'] }]);
  await insertCredentialLeaks(t.database.db, ['alice@example.com']);
  await insertCardLeaks(t.database.db, ['41111122']);
  const response = await t.fetch('/api/v1/openapi.json');
  expect(response.status).toBe(200);
  document = await response.json();
});
afterAll(() => t.close());

describe('the OpenAPI document', () => {
  it('is served without a key and is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      basic: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
  });

  it('describes every route of the table: parameters, body, both error schemas', () => {
    for (const { route, permissions } of prepareRoutes(restView(schema), ROUTES)) {
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation['x-permission']).toBe(permissions[0] ?? null);
      expect(operation.parameters.map((p: { name: string }) => p.name)).toEqual([
        ...route.params.map((p) => p.name),
        ...(route.response.kind === 'hashRange' ? ['Add-Padding'] : []),
      ]);
      expect(Boolean(operation.requestBody)).toBe(Boolean(route.body));
      const dialectSchema = { soc: 'SocError', defendis: 'DefendisError', taxii: 'TaxiiError' }[route.dialect];
      const mediaType = route.dialect === 'taxii' ? 'application/taxii+json;version=2.1' : 'application/json';
      expect(operation.responses['401'].content[mediaType].schema.$ref).toBe(`#/components/schemas/${dialectSchema}`);
      if (route.dialect === 'taxii') {
        expect(operation.security).toContainEqual({ basic: [] });
        expect(Object.keys(operation.responses)).toContain('406');
        expect(operation.responses['401'].headers).toHaveProperty('WWW-Authenticate');
      }
    }
  });

  it('shows a route added to the table with no other change', async () => {
    const extra: RestRoute = {
      method: 'GET',
      path: '/api/v1/iocs/recent-demo',
      dialect: 'soc',
      summary: 'A route made up by this test.',
      operation:
        'query RestRecentDemo { iocs(first: 1) { edges { node { id value } } pageInfo { hasNextPage endCursor } } }',
      params: [],
      response: { kind: 'page', field: 'iocs', item: 'RecentDemoIoc' },
    };
    const extended = buildOpenApiDocument(schema, [...ROUTES, extra]) as any;
    expect(extended.paths['/api/v1/iocs/recent-demo'].get.operationId).toBe('RestRecentDemo');
    expect(extended.components.schemas.RecentDemoIoc.properties).toEqual({
      id: { type: 'string' },
      value: { type: 'string' },
    });
    expect((await new Validator().validate(extended)).valid).toBe(true);
  });

  it.each([
    ['/api/v1/iocs?limit=5', '/api/v1/iocs', 'get', '200'],
    ['/api/v1/watchlists', '/api/v1/watchlists', 'get', '200'],
    ['/api/v1/dataleaks/domain?domain=example.com', '/api/v1/dataleaks/domain', 'get', '200'],
    ['/api/v1/dataleaks/cards?bin=411111', '/api/v1/dataleaks/cards', 'get', '200'],
    ['/api/v1/iocs?limit=0', '/api/v1/iocs', 'get', '400'],
    ['/api/v1/dataleaks/domain', '/api/v1/dataleaks/domain', 'get', '400'],
  ])('matches what %s answers', async (url, path, method, status) => {
    const response = await t.fetch(url, { headers: { authorization: `Bearer ${key}` } });
    expect(String(response.status)).toBe(status);
    const ajv = new Ajv2020({ strict: false });
    // Formats are checked: a `date-time` that is not one fails.
    addFormats.default(ajv);
    const responseSchema = document.paths[path][method].responses[status].content['application/json'].schema;
    const validate = ajv.compile({ ...responseSchema, components: document.components });
    const body = await response.json();
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe('what generated clients need (issue: the first hour)', () => {
  it('declares the headers of every answer, tags and an example for every route', async () => {
    const { schema } = await import('../../src/edge/schema.js');
    const { buildOpenApiDocument } = await import('../../src/rest/openapi.js');
    const document = buildOpenApiDocument(schema) as {
      tags: unknown[];
      paths: Record<
        string,
        Record<
          string,
          {
            tags: string[];
            summary: string;
            description: string;
            responses: Record<
              string,
              { headers: Record<string, unknown>; content?: Record<string, { example?: unknown }> }
            >;
          }
        >
      >;
    };
    expect(document.tags.length).toBeGreaterThanOrEqual(3);
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method} ${path}`;
        expect(operation.tags, where).toHaveLength(1);
        expect(operation.summary.length, where).toBeLessThanOrEqual(60);
        expect(operation.description, where).toMatch(/Permission: `[a-z]+:[a-z]+`|Any valid key/);
        for (const [status, answer] of Object.entries(operation.responses)) {
          expect(Object.keys(answer.headers), `${where} ${status}`).toContain('x-request-id');
          if (status === '429' || status === '503') expect(Object.keys(answer.headers)).toContain('Retry-After');
          if (status === '405') expect(Object.keys(answer.headers)).toContain('Allow');
          if (status.startsWith('2') && status !== '204')
            expect(Object.keys(answer.headers)).toEqual(
              expect.arrayContaining(['RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset']),
            );
          const json = answer.content?.['application/json'] ?? answer.content?.['application/taxii+json;version=2.1'];
          if (json && !status.startsWith('2')) expect(json.example, `${where} ${status}`).toBeDefined();
          if (json && status.startsWith('2') && !path.startsWith('/taxii2/'))
            expect(json.example, `${where} ${status}`).toBeDefined();
        }
      }
    }
  });
});
