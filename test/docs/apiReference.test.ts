/**
 * docs/api.md is what scripts/api-reference.ts writes from the code (the route table, the schema,
 * the errors and the limits): a route, field, error or limit changed without `npm run docs:api`
 * fails here, so the reference a user reads is the server's.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { apiReference } from '../../scripts/api-reference.js';
import { ERRORS } from '../../src/core/errors.js';
import { ROUTES } from '../../src/rest/routes.js';
import { repoRoot } from '../support/process.js';

describe('the API reference (docs/api.md)', () => {
  const written = readFileSync(path.join(repoRoot, 'docs/api.md'), 'utf8');

  it('is what the code says today (run npm run docs:api after a change)', () => {
    expect(written).toBe(apiReference());
  });

  it('names every route and every error code', () => {
    for (const route of ROUTES) expect(written).toContain(`#### \`${route.method} ${route.path}\``);
    for (const code of Object.keys(ERRORS)) expect(written).toContain(`| \`${code}\` |`);
  });

  it('points nowhere outside the repository', () => {
    expect(written).not.toMatch(/\.\.\/shared|API\.md/);
  });
});
