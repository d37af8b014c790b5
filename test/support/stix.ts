/**
 * The official STIX 2.1 JSON schemas, compiled once, for validating bundles. They are OASIS's, kept
 * unchanged with their licence in test/fixtures/stix2.1-schemas, so that every checkout checks.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { repoRoot } from './process.js';

const folder = path.join(repoRoot, 'test/fixtures/stix2.1-schemas/schemas');

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

/** Asserts that the official schemas accept `value`. */
export function expectValidStix(value: unknown): void {
  const { valid, errors } = validateStixBundle(value);
  if (!valid) throw new Error(`not a valid STIX 2.1 bundle: ${errors}`);
}
