/**
 * `npm run docs:api`: writes docs/api.md, the API reference, from the code that serves the API:
 * the route table (every REST and TAXII route, its permission, parameters, body and answer), the
 * GraphQL schema (every query, mutation and subscription), the error vocabulary, the permissions
 * and the limits. The prose between the tables is this file's. test/docs/apiReference.test.ts
 * fails when docs/api.md is not what this writes, so the reference cannot drift from the server.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNonNullType, type GraphQLField, type GraphQLObjectType } from 'graphql';
import { ERRORS } from '../src/core/errors.js';
import { PERMISSIONS, type Permission } from '../src/core/permissions.js';
import { PLAN_LIMITS, PLANS } from '../src/core/plans.js';
import { LEAK_COUNT_CAP } from '../src/dataleaks/schema.js';
import { DEFAULT_MAX_INFLATED_BYTES, MAX_LINE_CHARS } from '../src/dataleaks/formats.js';
import { schema } from '../src/edge/schema.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../src/graphql/connections.js';
import {
  HEADERS_TIMEOUT_MS,
  MAX_BODY_BYTES,
  MAX_EXPORTS_PER_KEY,
  MAX_JSON_DEPTH,
  MAX_STREAMS_PER_KEY,
  MAX_STREAMS_PER_WORKSPACE,
  REQUEST_RECEIVE_TIMEOUT_MS,
  STALLED_READER_MS,
} from '../src/http/limits.js';
import { MAX_SUBMITTED_IOCS } from '../src/iocs/submit.js';
import { MAX_GRACE_SECONDS } from '../src/keys/service.js';
import { restView, prepareRoutes } from '../src/rest/operations.js';
import { ROUTES, type RestRoute } from '../src/rest/routes.js';
import { MAX_ENVELOPE_OBJECTS } from '../src/taxii/objects.js';
import { TAXII_MAX_CONTENT_LENGTH, TAXII_MEDIA_TYPE } from '../src/taxii/collections.js';
import { MAX_ENTRIES_PER_WATCHLIST } from '../src/watchlists/rules.js';
import { MAX_ENDPOINTS } from '../src/webhooks/repository.js';
import { RETRY_SCHEDULE } from '../src/webhooks/settings.js';
import { MAX_DOMAIN_CLAIMS, MISSED_CHECKS_TO_LAPSE } from '../src/workspaces/domains.js';

/** What each permission lets a key do. */
const PERMISSION_MEANS: Record<Permission, string> = {
  'iocs:read': 'list, look up, export and stream IOCs; read TAXII collections',
  'iocs:write':
    "submit and revoke the workspace's own IOCs; report sightings and false positives; add objects over TAXII",
  'watchlists:read': 'read watchlists and alerts, follow the alert stream',
  'watchlists:write': 'change watchlists; acknowledge and resolve alerts',
  'dataleaks:read': 'search leaked credentials and cards inside the scope (enterprise plan, billing active)',
  'passwords:read': 'the breached-password range search',
  'webhooks:read': 'read webhook endpoints and their delivery logs',
  'webhooks:write': 'add, change, rotate, delete endpoints; retry deliveries',
  'keys:read': "read the workspace's keys and its audit log",
  'keys:write': 'create, rotate and revoke keys',
  'scope:write': 'claim, verify and remove domains of the scope',
};

const number = (n: number) => n.toLocaleString('en');
const bytes = (n: number) =>
  n >= 1024 ** 3 ? `${n / 1024 ** 3} GiB` : n >= 1024 ** 2 ? `${n / 1024 ** 2} MiB` : `${n / 1024} KiB`;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function restRoutes(): string {
  const prepared = prepareRoutes(restView(schema), ROUTES);
  const permissionsOf = new Map(prepared.map((p) => [p.route, p.permissions]));
  const groups: [string, (route: RestRoute) => boolean][] = [
    ['IOCs', (r) => r.path.startsWith('/api/v1/iocs')],
    ['Sightings', (r) => r.path.startsWith('/api/v1/sightings')],
    ['Exclusion lists', (r) => r.path.startsWith('/api/v1/exclusions')],
    ['Watchlists', (r) => r.path.startsWith('/api/v1/watchlists')],
    ['Leak searches and breached passwords', (r) => /^\/api\/v1\/(dataleaks|passwords)/.test(r.path)],
    ['Alerts', (r) => r.path.startsWith('/api/v1/alerts')],
    ['Webhooks', (r) => r.path.startsWith('/api/v1/webhooks')],
    ['Scope', (r) => r.path.startsWith('/api/v1/scope')],
    ['Feeds', (r) => r.path.startsWith('/api/v1/feeds')],
    ['Block lists', (r) => r.path.startsWith('/api/v1/blocklists')],
    ['MISP feed', (r) => r.path.startsWith('/misp/')],
    ['TAXII 2.1', (r) => r.path.startsWith('/taxii2')],
  ];
  const covered = new Set<RestRoute>();
  const out: string[] = [];
  for (const [title, belongs] of groups) {
    out.push(`### ${title}`, '');
    for (const route of ROUTES.filter(belongs)) {
      covered.add(route);
      const permissions = permissionsOf.get(route) ?? [];
      out.push(`#### \`${route.method} ${route.path}\``, '', route.summary, '');
      out.push(
        `- Permission: ${permissions.length ? permissions.map((p) => `\`${p}\``).join(', ') : 'any key of the workspace'}; errors in the ${route.dialect === 'soc' ? 'SOC' : route.dialect === 'defendis' ? 'Defendis' : 'TAXII'} dialect.`,
      );
      for (const param of route.params) {
        const form =
          param.schema.type === 'enum'
            ? `one of ${Object.keys(param.schema.values)
                .map((v) => `\`${v}\``)
                .join(', ')}`
            : param.schema.type === 'integer'
              ? `integer ${param.schema.minimum} to ${param.schema.maximum}${param.schema.default === undefined ? '' : `, default ${param.schema.default}`}`
              : param.schema.type === 'string'
                ? `text, at most ${number(param.schema.maxLength)} characters`
                : param.schema.type === 'id'
                  ? 'a UUID'
                  : param.schema.type === 'boolean'
                    ? '`true` or `false`'
                    : 'an ISO 8601 date-time';
        out.push(`- \`${param.name}\` (${param.in}${param.scoped ? ', required' : ''}): ${form}. ${param.description}`);
      }
      if (route.body) {
        const schemaOf = route.body.schema as { properties?: Record<string, unknown>; required?: string[] };
        const fields = Object.keys(schemaOf.properties ?? {});
        const required = new Set(schemaOf.required ?? []);
        out.push(
          `- Body: JSON of at most ${bytes(route.body.maxBytes ?? MAX_BODY_BYTES)}${fields.length ? `, fields ${fields.map((f) => `\`${f}\`${required.has(f) ? ' (required)' : ''}`).join(', ')}` : ''}; unknown fields are refused.`,
        );
      }
      out.push(`- Answer: ${answerWords(route)}.`, '');
    }
  }
  const missing = ROUTES.filter((route) => !covered.has(route));
  if (missing.length) throw new Error(`routes in no group: ${missing.map((r) => r.path).join(', ')}`);
  return out.join('\n');
}

function answerWords(route: RestRoute): string {
  const { response } = route;
  switch (response.kind) {
    case 'page':
      return `200 \`{ "data": [${response.item}…], "pagination": { "limit", "next_cursor", "has_more" } }\``;
    case 'object':
      return `${response.status}${response.createdFlag ? ' (200 when it existed already)' : ''} \`{ "data": {${response.item}} }\`${route.path.includes('{') ? '; 404 when it is not in the workspace' : ''}`;
    case 'list':
      return `200 \`{ "data": [${response.item}…] }\``;
    case 'empty':
      return '204, no body';
    case 'export':
      return 'the whole listing, streamed: a STIX 2.1 bundle (`format=stix`) or CSV (`format=csv`)';
    case 'events':
      return 'Server-Sent Events (`text/event-stream`), resumable with `Last-Event-ID`';
    case 'hashRange':
      return '200 `text/plain`, one `SUFFIX:COUNT` line per hash';
    case 'taxii':
      return `${response.status ?? 200} \`${TAXII_MEDIA_TYPE}\``;
    case 'lines':
      return `200 \`${response.contentType.split(';')[0]}\`, one value a line, streamed${response.versioned ? '; 304 when the `ETag` or `Last-Modified` given still holds' : ''}`;
    case 'mispEvent':
      return '200 `application/json`: `{ "Event": { …, "Attribute": [ … ] } }`, streamed; 404 when the collection has no such event';
    case 'document':
      return '200 `application/json`, the document as MISP reads it';
  }
}

function graphqlFields(type: GraphQLObjectType | null | undefined, title: string): string {
  if (!type) return '';
  const fields = Object.values(type.getFields()) as GraphQLField<unknown, unknown>[];
  const rows = fields
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((field) => {
      const args = field.args
        .map((arg) => `${arg.name}${isNonNullType(arg.type) ? '' : '?'}: ${String(arg.type)}`)
        .join(', ');
      return `| \`${field.name}${args ? `(${args})` : ''}\` | \`${String(field.type)}\` | ${cell(field.description ?? '')} |`;
    });
  return [`### ${title}`, '', '| field | type | what it does |', '| --- | --- | --- |', ...rows, ''].join('\n');
}

export function apiReference(): string {
  const errors = Object.entries(ERRORS).map(
    ([code, e]) => `| \`${code}\` | ${e.status} | ${cell(e.message)} | ${cell(e.defendis)} |`,
  );
  const permissions = PERMISSIONS.map((p) => `| \`${p}\` | ${PERMISSION_MEANS[p]} |`);
  const plans = PLANS.map((plan) => {
    const l = PLAN_LIMITS[plan];
    return `| ${plan} | ${number(l.requestsPerMinute)} | ${l.activeKeys} | ${l.watchlists} | ${number(l.watchlistEntries)} | ${l.leaks ? 'yes' : 'no'} |`;
  });
  return `<!-- Written by \`npm run docs:api\` (scripts/api-reference.ts) from the code; edit that script, not this file. -->

# API reference

Everything the server answers, route by route and field by field. The tables are written from the
code that serves them (the route table, the GraphQL schema, the error vocabulary and the limits),
so they say what the server does. The README shows how to run the server and walks through each
feature; \`GET /api/v1/openapi.json\` describes the REST routes for tools, and \`schema.graphql\`
is the whole GraphQL schema. Section numbers are the ones the code's comments cite.

## §1 Shape

- **GraphQL** at \`POST /graphql\` (\`GET\` for queries too; subscriptions over Server-Sent Events),
  **REST** under \`/api/v1\`, **TAXII 2.1** under \`/taxii2/\`. Health: \`GET /healthz\` (alive) and
  \`GET /readyz\` (the database answers); neither needs a key.
- Every request but the health checks and \`GET /api/v1/openapi.json\` carries an API key, and every
  answer is limited to the workspace that owns the key.
- Ids are UUIDs; timestamps are ISO 8601 in UTC with milliseconds (\`2026-12-06T19:31:38.123Z\`).
  REST field names are snake_case and enum values are spelled as stored (\`ipv4\`, \`stealer_log\`);
  GraphQL names are camelCase and enum values upper case (\`IPV4\`, \`STEALER_LOG\`).
- Lists are paged by keyset: \`first\`/\`limit\` from 1 to ${number(MAX_PAGE_SIZE)} (default ${DEFAULT_PAGE_SIZE}) and an opaque
  cursor (\`after\` in GraphQL, \`cursor\` in REST, the \`next_cursor\` of the page before). A page never
  skips or repeats a row because others were written meanwhile.

## §2 API keys

A key is \`sk_live_\` followed by 42 characters (a 12-character public prefix and a secret with a
checksum). Send it as \`Authorization: Bearer <key>\` or \`X-API-Key: <key>\` (TAXII also takes HTTP
Basic, the key as the user name or the password), never in the URL: a query string naming \`api_key\`, \`apikey\`,
\`api-key\`, \`key\`, \`token\` or \`access_token\` is refused with 400 \`api_key_in_query\`. The server
stores an argon2id hash of each key, never the key; a key is shown once, when it is made.

Keys expire (1 to 3650 days, or never), are revoked at once on every server, and rotate with a
grace period of 0 to ${MAX_GRACE_SECONDS / 86_400} days during which the old key still works. Creating, rotating and
revoking are written to the workspace's audit log.

| permission | lets a key |
| --- | --- |
${permissions.join('\n')}

## §3 Request ids and logs

Every answer carries \`x-request-id\` (\`req_\` and 24 hex digits); error bodies repeat it. The server
logs one JSON line per request (method, path without the query, status, duration, request id, key
prefix, workspace), never a key, an \`Authorization\` value or a query string.

## §4 Errors

Errors use one vocabulary everywhere: GraphQL puts the code in \`extensions.code\` (with
\`extensions.request_id\`), REST in a body laid out in the route's dialect:

- **SOC** (\`/api/v1/iocs…\`, \`/api/v1/sightings\`, \`/api/v1/exclusions…\`, \`/api/v1/passwords…\`, \`/api/v1/scope…\`):
  \`{ "error": { "code", "message", "request_id" } }\`, indented by two spaces.
- **Defendis** (\`/api/v1/watchlists…\`, \`/api/v1/dataleaks…\`, \`/api/v1/alerts…\`, \`/api/v1/webhooks…\`,
  unknown \`/api/v1\` paths): \`{ "error": "<sentence>" }\` on one line; a parameter error names the
  parameter, a refusal starts with \`Forbidden\`.
- **TAXII**: a TAXII error message (\`title\`, \`description\`, \`http_status\` as a string, \`error_code\`,
  \`request_id\`) in \`${TAXII_MEDIA_TYPE}\`.

| code | status | message (SOC, GraphQL) | Defendis sentence |
| --- | --- | --- | --- |
${errors.join('\n')}

A failure to authenticate answers a GraphQL request with HTTP 401 and no \`data\`. Unexpected errors
are masked: no stack, no SQL, only the request id to quote.

## §5 Tenancy and scope

Every row a key can read or change belongs to the key's workspace, or to the shared IOC feed (read
only). Another workspace's id answers exactly as a missing one: 404 \`not_found\`.

Leak searches answer only inside the workspace's **scope**: its domains (each with every subdomain
and the addresses at them), email addresses and card BINs (each BIN covers the longer ones that
start with it). A search outside the scope is 403 \`forbidden\`, naming the value. Operators add
scope entries with the command line (\`scope add\`); a workspace proves its own domains by DNS (§15).

## §6 REST routes

Bodies are JSON (\`Content-Type: application/json\`) of at most ${bytes(MAX_BODY_BYTES)} unless a route says otherwise,
nested at most ${MAX_JSON_DEPTH} deep. A parameter given twice or empty is \`invalid_parameter\`; unknown query
parameters are ignored; unknown body fields are refused. Creations answer 201, deletions 204.

${restRoutes()}
## §7 GraphQL

\`POST /graphql\` with \`{ "query", "variables", "operationName" }\`. Queries are checked for depth,
aliases, directives, tokens and cost before they run; in production (\`NODE_ENV=production\`)
introspection and GraphiQL are off. The types are in \`schema.graphql\` at the repository's root.

${graphqlFields(schema.getQueryType(), 'Queries')}
${graphqlFields(schema.getMutationType(), 'Mutations')}
${graphqlFields(schema.getSubscriptionType(), 'Subscriptions')}
## §8 Operating it

The README's "Configuration" table lists every environment variable; "Running in production"
takes a team from a fresh server to production. \`GET /healthz\` answers 200 while the process runs;
\`GET /readyz\` answers 200 when the database answers, else 503. Metrics (Prometheus) are served on
their own port when \`METRICS_PORT\` is set. The admin command line (\`npm run cli -- --help\`) makes
workspaces, scope entries and keys, imports IOCs and leaks, and exports.

## §9 Leak data

Credential leaks (email or username, masked password, website, source, dates, severity) and card
leaks (BIN, last four digits, expiry, brand) are loaded by the command line from combolists, ULP
files, stealer logs (a folder or a zip, at most ${bytes(DEFAULT_MAX_INFLATED_BYTES)} inflated by default), credential CSVs and card CSVs;
lines longer than ${number(MAX_LINE_CHARS)} characters are refused. Passwords are never stored or shown in clear:
searches show them masked, and the breached-password range search answers SHA-1 suffixes and counts
for a 5-digit prefix (k-anonymity). Leak searches count their matches when \`totalCount\` is selected:
exactly up to ${number(LEAK_COUNT_CAP)}, past that ${number(LEAK_COUNT_CAP)} with \`totalCountExact\` false.

## §10 Watchlist alerts and webhooks

A watchlist entry (a domain, an email address, a BIN or a keyword) raises an alert for each new leak
or IOC it matches, once per entry and record. Alerts are \`new\`, \`acknowledged\` or \`resolved\`, listed
newest first and followed live over \`GET /api/v1/alerts/stream\`. An alert shows its record only to a
key that could read that record through the searches.

Each enabled webhook endpoint (https, public addresses only; at most ${MAX_ENDPOINTS} per workspace) receives every new
alert as \`POST\` of \`{ "type": "alert.created", "timestamp", "data": <the alert as REST shows it> }\`,
signed per Standard Webhooks (\`webhook-id\`, \`webhook-timestamp\`, \`webhook-signature\`) with the
endpoint's \`whsec_\` secret. A failed delivery is tried again after ${RETRY_SCHEDULE.map((s) => (s < 60 ? `${s} s` : s < 3600 ? `${s / 60} min` : `${s / 3600} h`)).join(', ')}; a receiver
answering 410 turns its endpoint off. Deliveries wait in the database: a restart loses none.

## §11 TAXII 2.1

Discovery at \`/taxii2/\`, one API root at \`/taxii2/api/\` with two collections: the shared feed and the
workspace's own IOCs (writable with \`iocs:write\`). Requests and answers use \`${TAXII_MEDIA_TYPE}\`;
pages take \`limit\`, \`next\`, \`added_after\` and the \`match[…]\` filters, and say their range in
\`X-TAXII-Date-Added-First\`/\`-Last\`. A POST holds at most ${bytes(TAXII_MAX_CONTENT_LENGTH)} and ${number(MAX_ENVELOPE_OBJECTS)} objects and answers 202
with a status resource to poll.

## §12 Limits

| plan | requests per minute per key | active keys | watchlists | watchlist entries | data leaks |
| --- | ---: | ---: | ---: | ---: | --- |
${plans.join('\n')}

| limit | value |
| --- | --- |
| request body | ${bytes(MAX_BODY_BYTES)} (TAXII: ${bytes(TAXII_MAX_CONTENT_LENGTH)}) |
| page size | 1 to ${number(MAX_PAGE_SIZE)} |
| IOCs per submission or lookup | ${number(MAX_SUBMITTED_IOCS)} |
| entries per watchlist | ${number(MAX_ENTRIES_PER_WATCHLIST)} |
| webhook endpoints per workspace | ${MAX_ENDPOINTS} |
| domain claims per workspace | ${MAX_DOMAIN_CLAIMS} |
| event streams open | ${MAX_STREAMS_PER_KEY} per key, ${MAX_STREAMS_PER_WORKSPACE} per workspace |
| exports running at once | ${MAX_EXPORTS_PER_KEY} per key |
| request headers must arrive within | ${HEADERS_TIMEOUT_MS / 1000} s |
| a whole request must arrive within | ${REQUEST_RECEIVE_TIMEOUT_MS / 1000} s |
| an answer whose reader reads nothing is cut after | ${STALLED_READER_MS / 1000} s |

A key over its plan's rate answers 429 \`rate_limited\` with \`Retry-After\`. Failed key guesses are
limited per client address (behind a proxy, set \`TRUST_PROXY\`).

## §15 Running it for a team

- **The command line beside a running server.** On the embedded database the server listens on
  \`DATA_DIR/cli.sock\` (owner-only) and runs the commands the command line hands it, sending back
  their output, progress and exit code. On PostgreSQL every command connects by itself.
- **Domains proven by DNS** (\`scope:write\`): \`POST /api/v1/scope/domains\` answers the TXT record to
  publish at \`_threatintel-challenge.<domain>\`; \`POST /api/v1/scope/domains/{domain}/verify\` looks it up
  (409 \`verification_failed\` quotes what it found); verified domains are checked every 24 hours, and
  a record missing at ${MISSED_CHECKS_TO_LAPSE} checks in a row makes the domain \`lapsed\`: out of the scope, an audit event, an
  alert of kind \`scope\`. Lookups use \`DNS_SERVERS\` when set.
- **Production**: the README's "Running in production" (build once, several processes on one
  PostgreSQL, TLS at a reverse proxy, \`TRUST_PROXY\`, the first workspace and key, backups, systemd).
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../docs/api.md');
  writeFileSync(file, apiReference());
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
