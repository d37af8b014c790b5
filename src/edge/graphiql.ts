/**
 * GraphiQL, served entirely by this server (issue: the first hour): Yoga's GraphiQL package
 * (@graphql-yoga/render-graphiql) renders the page with every script, style and worker inside it,
 * so it works on a machine without internet and loads nothing from a CDN, on a page where people
 * paste API keys. Its one inline script is allowed by its hash, nothing else: a
 * Content-Security-Policy as strict as the console's, apart from the inline styles and `blob:`
 * workers the editor needs. Built on first use (the page is 9 MB), never in production.
 */
import { createHash } from 'node:crypto';
import type { Outgoing } from '../http/exchange.js';

/** What the headers tab shows at first: where the key goes. */
const HEADERS_HINT = JSON.stringify({ Authorization: 'Bearer <paste your sk_live_ key here>' }, null, 2);
const FIRST_QUERY = `# Put your key in the Headers tab below: {"Authorization": "Bearer sk_live_..."}
{
  viewer {
    key { name permissions }
    workspace { name plan }
  }
  iocs(first: 5) {
    edges { node { type value confidence tags } }
  }
}
`;

let page: Outgoing | undefined;

export async function graphiqlPage(): Promise<Outgoing> {
  if (page) return page;
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  const html = renderGraphiQL({
    title: 'Threat-intelligence API · GraphiQL',
    headers: HEADERS_HINT,
    defaultQuery: FIRST_QUERY,
    endpoint: '/graphql',
  });
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1]!);
  const hashes = scripts.map((script) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`).join(' ');
  page = {
    status: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-cache',
      'content-security-policy': [
        "default-src 'none'",
        `script-src ${hashes}`,
        // The editor (Monaco) runs its language services in workers made from blobs of the page,
        // and sets styles on its own elements.
        'worker-src blob:',
        "style-src 'unsafe-inline'",
        'img-src data:',
        'font-src data:',
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
      ].join('; '),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: html,
  };
  return page;
}
