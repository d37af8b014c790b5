/** The official STIX 2.1 JSON schemas (../shared/stix2.1-schemas), compiled once, for validating bundles. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot } from './process.js';

const folder = path.resolve(repoRoot, '../shared/stix2.1-schemas/schemas');

let bundle: ValidateFunction | undefined;

export function validateStixBundle(value: unknown): { valid: boolean; errors: string } {
  if (!bundle) {
    // Some of the schemas' patterns (`\-`) are not valid with the `u` flag ajv uses by default.
    const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false });
    addFormats.default(ajv);
    for (const group of readdirSync(folder)) {
      for (const file of readdirSync(path.join(folder, group))) {
        ajv.addSchema(JSON.parse(readFileSync(path.join(folder, group, file), 'utf8')));
      }
    }
    bundle = ajv.getSchema('http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json')!;
  }
  const valid = bundle(value) as boolean;
  return { valid, errors: JSON.stringify(bundle.errors?.slice(0, 5) ?? []) };
}
