/** The committed schema.graphql is the schema the code builds (run `npm run schema:print` after an API change). */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { printSdl } from '../../src/graphql/sdl.js';
import { schema } from '../../src/edge/schema.js';

it('schema.graphql matches the code', () => {
  const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
  expect(committed, 'schema.graphql is stale: run `npm run schema:print` and commit it').toBe(printSdl(schema));
});

it('prints each field’s permission', () => {
  expect(printSdl(schema)).toMatch(/iocs\([^)]*\): IocConnection! @auth\(permission: "iocs:read"\)/);
});
