/**
 * What a newcomer needs to find their way (issue: the first hour): the start banner on the
 * console (stderr, never the log) and the page at `/`, both from one list of addresses.
 */
import type { Outgoing } from '../http/exchange.js';

export interface Addresses {
  url: string;
  production: boolean;
  /** `/metrics` on its own listener, when METRICS_PORT is set. */
  metricsUrl: string | undefined;
}

export function links({ url, production, metricsUrl }: Addresses) {
  return [
    {
      name: 'REST API',
      href: `${url}/api/v1/openapi.json`,
      note: `its OpenAPI description; routes under ${url}/api/v1/`,
    },
    {
      name: 'GraphQL',
      href: `${url}/graphql`,
      note: production
        ? 'POST queries with your key'
        : 'GraphiQL in a browser: put {"Authorization": "Bearer sk_live_…"} in its Headers tab',
    },
    {
      name: 'Console',
      href: `${url}/console/`,
      note: 'sign in with an API key: dashboard, alerts, lookup, leaks, scope; keys with keys:write',
    },
    {
      name: 'Metrics',
      href: metricsUrl ?? '',
      note: metricsUrl ? 'Prometheus text' : 'off: set METRICS_PORT to serve them',
    },
  ];
}

export interface BannerFacts extends Addresses {
  database: string;
  /** The demo workspace, on the embedded database. */
  demoWorkspaceId: string | null;
  /** The demo key: only on the first start, shown once. */
  demoKey: string | null;
  embedded: boolean;
  /** A database with no workspace at all (a new production database): the first steps differ. */
  noWorkspaceYet?: boolean;
}

export function startBanner(facts: BannerFacts): string {
  const rows = links(facts).map((link) => `  ${link.name.padEnd(9)} ${(link.href || '-').padEnd(46)} ${link.note}`);
  const workspace = facts.demoWorkspaceId ?? '<workspace id>';
  const lines = [
    '',
    `Threat-intelligence API on ${facts.url} (${facts.database})`,
    '',
    ...rows,
    ...(facts.demoWorkspaceId ? ['', `  Demo workspace  ${facts.demoWorkspaceId}`] : []),
  ];
  if (facts.demoKey) {
    lines.push(
      '',
      'The demo workspace was created with this API key. It is shown only once: keep it.',
      '',
      `    ${facts.demoKey}`,
      '',
      `Try:  curl -H "Authorization: Bearer ${facts.demoKey}" "${facts.url}/api/v1/iocs?limit=3"`,
    );
  }
  const cli = 'npm run -s cli --';
  if (facts.noWorkspaceYet) {
    // Neither the console nor the API can help yet: both need a key, and a key needs a workspace.
    lines.push(
      '',
      'No workspace yet. Make the first one, then its first key (it signs in to the console, which makes the others):',
      `    ${cli} workspace create --name "My team" --plan enterprise`,
      `    ${cli} key create --workspace <the id it printed> --name "Admin"`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(
    '',
    'A new key: Create key in the console, or from the command line' +
      (facts.embedded ? ' (in another terminal: this server runs the commands handed to it):' : ':'),
    `    ${cli} key create --workspace ${workspace} --name "My key"`,
    `Workspaces and their keys:  ${cli} workspace list   |   ${cli} key list --workspace ${workspace}`,
    '',
  );
  return lines.join('\n');
}

const HOME_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

/** `/`: the same addresses as a small page (or JSON for a client that asks for it). No data, no key needed. */
export function homePage(addresses: Addresses, accept: string | null): Outgoing {
  const list = links({ ...addresses, url: '' });
  if (!(accept ?? '').includes('text/html')) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', ...HOME_HEADERS },
      body: JSON.stringify({ links: Object.fromEntries(list.filter((l) => l.href).map((l) => [l.name, l.href])) }),
    };
  }
  const items = list
    .map((l) =>
      l.href
        ? `<li><a href="${l.href}">${l.name}</a>: ${escapeHtml(l.note)}</li>`
        : `<li>${l.name}: ${escapeHtml(l.note)}</li>`,
    )
    .join('\n      ');
  const body = `<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Threat-intelligence API</title></head>
  <body>
    <h1>Threat-intelligence API</h1>
    <p>Every call needs an API key in <code>Authorization: Bearer sk_live_…</code> or <code>X-API-Key</code>, never in the URL.</p>
    <ul>
      ${items}
    </ul>
  </body>
</html>
`;
  return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', ...HOME_HEADERS }, body };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
