/**
 * The floors of src/, held by the lint gate (`npm run lint`). Each folder is one floor; a file may
 * import from its own floor or any floor below it, never from one above. Read from the bottom up:
 *
 *   1 core       src/core/      the words (vocabulary, permissions, plans), errors and faults, dates,
 *                               ids, cursors, logging, normalising, how a record is declared
 *   2 db         src/db/        the tables, the two engines, prepared statements, migrations
 *   3 auth       src/auth/      keys checked, the caller (principal), its scope and rate limits
 *   4 plumbing   src/http/      bodies, CORS, limits, open answers;
 *                src/streams/   a table read as a live log (the event streams' base)
 *   5 graphql    src/graphql/   the builder, the context, connections, enums, the pipeline: no data
 *                               family; each family adds its services to the context itself
 *   6 families   src/iocs/ alerts/ watchlists/ dataleaks/ keys/ webhooks/ workspaces/ taxii/ feeds/ seed/
 *                               each family's records, queries, rules and GraphQL types
 *   7 doors      src/rest/ cli/ edge/ and src/main.ts: REST and TAXII routes, the command line,
 *                               the edge (app, server, config, metrics, the schema's assembly)
 *
 * Families may import each other (an alert shows an IOC); nothing imports a door.
 */
const FLOORS = [
  ['core', '^src/core/'],
  ['db', '^src/db/'],
  ['auth', '^src/auth/'],
  ['plumbing', '^src/(http|streams)/'],
  ['graphql', '^src/graphql/'],
  ['families', '^src/(iocs|alerts|watchlists|dataleaks|keys|webhooks|workspaces|taxii|feeds|seed)/'],
  ['doors', '^src/(rest|cli|edge)/|^src/main\\.ts$'],
];

/** One rule per floor: nothing on it imports a floor above. */
const upward = FLOORS.slice(0, -1).map(([name, path], index) => ({
  name: `${name}-imports-nothing-above`,
  comment: `${name} is floor ${index + 1}: it may import floors 1 to ${index + 1} only.`,
  severity: 'error',
  from: { path },
  to: {
    path: FLOORS.slice(index + 1)
      .map(([, above]) => above)
      .join('|'),
  },
}));

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
      name: 'every-file-on-a-floor',
      comment: 'A new folder of src/ names its floor here first.',
      severity: 'error',
      from: { path: '^src/', pathNot: FLOORS.map(([, path]) => path).join('|') },
      to: {},
    },
    ...upward,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
  },
};
