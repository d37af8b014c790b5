/**
 * The official STIX 2.1 JSON schemas, compiled once, for validating bundles. They are OASIS's, not
 * this project's: they live beside the checkout (../shared/stix2.1-schemas, where CI finds them) or
 * wherever STIX_SCHEMAS_DIR says. A checkout without them skips the schema checks, and says so.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';
import { repoRoot } from './process.js';

const folder = process.env.STIX_SCHEMAS_DIR ?? path.resolve(repoRoot, '../shared/stix2.1-schemas/schemas');

export const stixSchemasFound = existsSync(folder);
if (!stixSchemasFound) console.warn(`STIX 2.1 schemas not found at ${folder}: bundles are not checked against them`);

let bundle: ValidateFunction | undefined;

export function validateStixBundle(value: unknown): { valid: boolean; errors: string } {
  if (!bundle) {
    // Some of the schemas' patterns (`\-`) are not valid with the `u` flag ajv uses by default.
    const ajv = new Ajv2020({ strict: false, allErrors: false, unicodeRegExp: false });
    addFormats.default(ajv);
    // The schemas name `idn-hostname`, which ajv-formats leaves out: a name the URL parser takes as a host.
    ajv.addFormat(
      'idn-hostname',
      (name: string) => name.length <= 253 && URL.canParse(`http://${name}/`) && !/[/?#@:\s]/.test(name),
    );
    for (const group of readdirSync(folder)) {
      for (const file of readdirSync(path.join(folder, group))) {
        ajv.addSchema(JSON.parse(readFileSync(path.join(folder, group, file), 'utf8')));
      }
    }
    bundle = ajv.getSchema(
      'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/common/bundle.json',
    )!;
  }
  const valid = bundle(value);
  return { valid, errors: JSON.stringify(bundle.errors?.slice(0, 5) ?? []) };
}

/**
 * Asserts that the official schemas accept `value`. Without the schemas it checks nothing, and says
 * so in the output, naming the test: a skipped check is never mistaken for a passed one.
 */
export function expectValidStix(value: unknown): 'valid' | 'skipped' {
  if (!stixSchemasFound) {
    console.warn(
      `STIX schema check skipped in "${expect.getState().currentTestName ?? 'a test'}": set STIX_SCHEMAS_DIR to the OASIS schemas' folder`,
    );
    return 'skipped';
  }
  const { valid, errors } = validateStixBundle(value);
  if (!valid) throw new Error(`not a valid STIX 2.1 bundle: ${errors}`);
  return 'valid';
}
