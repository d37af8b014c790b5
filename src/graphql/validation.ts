/**
 * The validation rules every GraphQL document meets, on the Yoga path and the fast path alike
 * (one list, so the two paths can never accept different documents).
 */
import { NoSchemaIntrospectionCustomRule, specifiedRules, type ValidationRule } from 'graphql';

/** In production the schema is not introspectable (API.md §7): clients have the documentation. */
export function validationRules(production: boolean): readonly ValidationRule[] {
  return production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
}

/** The rules added to graphql-js' own, for Yoga (which applies `specifiedRules` itself). */
export function extraValidationRules(production: boolean): ValidationRule[] {
  return production ? [NoSchemaIntrospectionCustomRule] : [];
}
