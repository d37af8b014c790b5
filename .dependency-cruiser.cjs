/**
 * The floors of src/, as a rule the lint gate holds (`npm run lint`). Read from the bottom up:
 *
 *   foundation  vocabulary, permissions, plans, stixIds, errors, dates, ids, cursors, logger,
 *               recordFields, normalize, config
 *   db          the tables, the two engines, prepared statements
 *   auth, and one folder per data family (iocs, alerts, watchlists, dataleaks, keys, webhooks, ...)
 *   graphql     the builder, context, pipeline and schema index
 *   doors       rest, the edge (app.ts), the server and the command line (taxii/ is a data family
 *               too: its GraphQL types sit in the schema like the others')
 *
 * A file may import from its own floor or below, never from above. These rules hold today; the
 * ones that do not yet (db/tableFeed.ts importing the key checks, graphql/context.ts importing the
 * feeds' types, config.ts reading domain defaults) are the next step of the layering work, and
 * will be added as they come to hold.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Files that import each other in a loop cannot be understood, tested or moved one at a time.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'foundation-below-everything',
      comment: 'The foundation (words, errors, dates, ids, cursors, logging) is imported by all and imports none of the product.',
      severity: 'error',
      from: { path: '^src/(vocabulary|permissions|plans|stixIds|dates|ids|cursors|logger|recordFields)\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(vocabulary|permissions|plans|stixIds|dates|ids|cursors|logger|errors)\\.ts$' },
    },
    {
      name: 'no-door-below',
      comment: 'HTTP, REST, TAXII and the edge are the top floor: nothing below them imports them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(http|rest|cli)/|^src/(app|server|main|console|graphiql|banner)\\.ts$' },
      to: { path: '^src/(rest|cli)/|^src/(app|server|main)\\.ts$' },
    },
    {
      name: 'tables-below-domains',
      comment: 'The tables import only the foundation: the words they store (permissions, plans, enumerations) live there.',
      severity: 'error',
      from: { path: '^src/db/schema\\.ts$' },
      to: { path: '^src/', pathNot: '^src/(vocabulary|permissions|plans|stixIds)\\.ts$' },
    },
    {
      name: 'db-below-graphql',
      comment: 'The database layer knows nothing of GraphQL: its queries serve every door.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^src/graphql/' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  },
};
