/**
 * The console's GraphQL documents (console/src/api.ts) checked against the server's schema and the
 * server's own validation rules (depth, aliases, cost), in production mode: a field renamed or an
 * argument changed on the server fails here, not in a browser.
 */
import { Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import * as api from '../../console/src/api.js';
import { schema } from '../../src/edge/schema.js';
import { validationRules } from '../../src/graphql/validation.js';

const OPERATION = /^\s*(query|mutation|subscription)\b/;

/** Every document the console sends: the exported strings, and the values of exported maps of them. */
const documents = Object.entries(api).flatMap(([name, value]): [string, string][] => {
  if (typeof value === 'string' && OPERATION.test(value)) return [[name, value]];
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
      typeof inner === 'string' && OPERATION.test(inner) ? [[`${name}.${key}`, inner] as [string, string]] : [],
    );
  }
  return [];
});

describe('the console’s GraphQL documents', () => {
  it('are found (every call the pages make goes through these)', () => {
    expect(documents.length).toBeGreaterThanOrEqual(28);
  });

  it.each(documents)('%s is valid against the schema and the production rules, and named Console…', (_name, text) => {
    let document: DocumentNode;
    expect(() => (document = parse(text))).not.toThrow();
    const errors = validate(schema, document!, validationRules(true));
    expect(errors.map((e) => e.message)).toEqual([]);
    const operations = document!.definitions.filter(
      (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
    );
    expect(operations).toHaveLength(1);
    expect(operations[0]!.name?.value).toMatch(/^Console[A-Z]/);
  });
});
