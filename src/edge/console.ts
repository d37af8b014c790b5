/**
 * Serves the key console (console/, built by Vite into console/dist) at `/console/`: the page
 * itself never cached (it names the current assets), the hashed assets cached for a year, and
 * everything under a Content-Security-Policy that allows only this origin's own scripts, styles
 * and requests: no inline code, no other site, no framing.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { json, type Outgoing } from '../http/exchange.js';

const CONSOLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../console/dist');

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

interface ConsoleFile {
  type: string;
  body: string;
  cache: string;
}

/** The built files, read once at start-up: a fixed set, so no request path ever reaches the disk. */
function loadConsole(): Map<string, ConsoleFile> | null {
  try {
    return readConsoleFiles();
  } catch {
    return null;
  }
}

function readConsoleFiles(): Map<string, ConsoleFile> {
  const names = readdirSync(path.join(CONSOLE_DIR, 'assets'));
  const files = new Map<string, ConsoleFile>();
  files.set('/console/', {
    type: TYPES['.html']!,
    body: readFileSync(path.join(CONSOLE_DIR, 'index.html'), 'utf8'),
    cache: 'no-cache',
  });
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (!type) continue;
    files.set(`/console/assets/${name}`, {
      type,
      body: readFileSync(path.join(CONSOLE_DIR, 'assets', name), 'utf8'),
      cache: 'public, max-age=31536000, immutable',
    });
  }
  return files;
}

export function createConsoleHandler() {
  const files = loadConsole();
  return function serveConsole(method: string, pathname: string): Outgoing {
    if (pathname === '/console')
      return { status: 308, headers: { location: '/console/', ...SECURITY_HEADERS }, body: null };
    const file = files?.get(pathname);
    if (!files) {
      return json('{"error":"The console is not built: run npm run build."}', 404, SECURITY_HEADERS);
    }
    if (!file)
      return {
        status: 404,
        headers: { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS },
        body: 'Not found\n',
      };
    if (method !== 'GET' && method !== 'HEAD')
      return { status: 405, headers: { allow: 'GET, HEAD', ...SECURITY_HEADERS }, body: null };
    return {
      status: 200,
      headers: { 'content-type': file.type, 'cache-control': file.cache, ...SECURITY_HEADERS },
      body: method === 'HEAD' ? null : file.body,
    };
  };
}
