/**
 * The schema as SDL, as committed in `schema.graphql` (checked against the code by
 * test/graphql/sdl.test.ts, so that every API change shows up in review). Each field's permission,
 * declared once with Pothos' `authScopes`, is printed as `@auth(permission: "…")`: who may read a
 * field is read in one place.
 */
import { MapperKind, mapSchema, printSchemaWithDirectives } from '@graphql-tools/utils';
import {
  DirectiveLocation,
  GraphQLDirective,
  GraphQLNonNull,
  GraphQLSchema,
  GraphQLString,
  specifiedDirectives,
} from 'graphql';

const AUTH = new GraphQLDirective({
  name: 'auth',
  description: 'The API key permission a field needs (docs/api.md §2); documentation only, enforced by the server.',
  locations: [DirectiveLocation.FIELD_DEFINITION],
  args: { permission: { type: new GraphQLNonNull(GraphQLString) } },
});

export function printSdl(schema: GraphQLSchema): string {
  const annotated = mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field) => {
      const options = field.extensions?.pothosOptions as { authScopes?: { permission?: string } } | undefined;
      const permission = options?.authScopes?.permission;
      if (typeof permission !== 'string') return field;
      return { ...field, extensions: { ...field.extensions, directives: { auth: [{ permission }] } } };
    },
  });
  const withDirective = new GraphQLSchema({ ...annotated.toConfig(), directives: [...specifiedDirectives, AUTH] });
  return `${printSchemaWithDirectives(withDirective)}\n`;
}
