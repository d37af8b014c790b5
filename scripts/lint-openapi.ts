/**
 * `npm run lint:openapi`: Redocly's recommended rules over the OpenAPI document the server serves
 * (built from the route table, as at start-up), failing on any warning. Run by .ci/run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { schema } from '../src/edge/schema.js';
import { buildOpenApiDocument } from '../src/rest/openapi.js';

const dir = mkdtempSync(path.join(tmpdir(), 'openapi-'));
try {
  const file = path.join(dir, 'openapi.json');
  writeFileSync(file, JSON.stringify(buildOpenApiDocument(schema), null, 2));
  // TAXII 2.1 writes every URL with a trailing slash (docs/api.md §11): the one recommended rule turned off.
  writeFileSync(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\nrules:\n  no-path-trailing-slash: off\n');
  execFileSync(
    'npx',
    [
      '--no-install',
      'redocly',
      'lint',
      file,
      '--config',
      path.join(dir, 'redocly.yaml'),
      '--max-problems',
      '100',
      '--format',
      'stylish',
    ],
    {
      stdio: 'inherit',
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  // Redocly exits 0 on warnings: count them from its summary instead.
  const summary = execFileSync(
    'npx',
    ['--no-install', 'redocly', 'lint', file, '--config', path.join(dir, 'redocly.yaml'), '--format', 'summary'],
    {
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (/warning/i.test(summary)) {
    process.stderr.write(`OpenAPI lint: warnings found\n${summary}\n`);
    process.exit(1);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
