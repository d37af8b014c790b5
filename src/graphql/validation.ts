/**
 * The validation rules every GraphQL document meets, on the Yoga path and the fast path alike
 * (one list, so the two paths can never accept different documents). Depth and aliases are
 * bounded with graphql-armor's rules; a document they reject is never executed.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
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

const abuseRules: ValidationRule[] = [
  maxDepthRule({ n: MAX_DEPTH, ignoreIntrospection: true, exposeLimits: true }) as unknown as ValidationRule,
  maxAliasesRule({ n: MAX_ALIASES, exposeLimits: true }) as unknown as ValidationRule,
];

/** The rules added to graphql-js' own (Yoga applies `specifiedRules` itself). */
export function extraValidationRules(production: boolean): ValidationRule[] {
  // In production the schema is not introspectable (API.md §7): clients have the documentation.
  return production ? [...abuseRules, NoSchemaIntrospectionCustomRule] : abuseRules;
}

export function validationRules(production: boolean): readonly ValidationRule[] {
  return [...specifiedRules, ...extraValidationRules(production)];
}
