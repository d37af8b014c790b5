/** `npm run schema:print`: writes the schema's SDL to schema.graphql (commit it with the change). */
import { writeFileSync } from 'node:fs';
import { printSdl } from '../src/graphql/sdl.js';
import { schema } from '../src/edge/schema.js';

writeFileSync(new URL('../schema.graphql', import.meta.url), printSdl(schema));
