/**
 * The limits every GraphQL document meets, whichever adapter serves it (one list, so the two can
 * never accept different documents). Tokens are counted while parsing; depth, aliases and
 * directives are graphql-armor's validation rules; cost needs the variables, so it is counted per
 * request by the pipeline (src/graphql/cost.ts). A document they reject is never executed.
 * Batching (a JSON array of operations) is off: Yoga's default, and the direct adapter takes one
 * operation per request only.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { NoSchemaIntrospectionCustomRule, specifiedRules, type ValidationRule } from 'graphql';

/**
 * The deepest useful selection is 5 (`watchlists { edges { node { entries { value } } } }` or
 * `dataleaks { byDomain { edges { node { … } } } }`); 10 leaves room for fragments and future
 * nesting while refusing the exponential documents depth attacks rely on. Introspection (GraphiQL
 * nests `ofType` deeply) is not counted.
 */
const MAX_DEPTH = 10;
/**
 * Aliases let one document ask for the same costly field many times. 30 covers the widest
 * legitimate selection (the fifteen IOC fields renamed, plus a few more) with room to spare.
 */
const MAX_ALIASES = 30;
/**
 * Tokens bound the parser's work before anything else runs. The largest legitimate document
 * writes a 1000-entry watchlist inline (`{ type: DOMAIN, value: "…" }` is 9 tokens an entry):
 * about 9,000 tokens. Variables carry such lists in far fewer.
 */
export const MAX_TOKENS = 10_000;
/** Only `@include` and `@skip` exist here; a few per field is plenty, hundreds are an attack on the parser. */
const MAX_DIRECTIVES = 20;
const abuseRules: ValidationRule[] = [
  maxDepthRule({ n: MAX_DEPTH, ignoreIntrospection: true, exposeLimits: true }),
  maxAliasesRule({ n: MAX_ALIASES, exposeLimits: true }),
  maxDirectivesRule({ n: MAX_DIRECTIVES, exposeLimits: true }),
];

/** The rules added to graphql-js' own (Yoga applies `specifiedRules` itself). */
export function extraValidationRules(production: boolean): ValidationRule[] {
  // In production the schema is not introspectable (docs/api.md §7): clients have the documentation.
  return production ? [...abuseRules, NoSchemaIntrospectionCustomRule] : abuseRules;
}

export function validationRules(production: boolean): readonly ValidationRule[] {
  return [...specifiedRules, ...extraValidationRules(production)];
}
