/**
 * The README's TLS example, run: nginx (Debian's package) with deploy/nginx.conf as it is in the
 * repository, its ports, certificate and upstream swapped for the test's own, in front of the
 * server on a loopback port with TRUST_PROXY=loopback. HTTPS answers, an event stream flows through
 * unbuffered, and a client that writes its own X-Forwarded-For is still counted as itself by the
 * failed-guess limit. Skipped where nginx or openssl is missing (`.ci/run` installs nginx).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey } from '../../src/auth/keyFormat.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { repoRoot } from '../support/process.js';
import { until } from '../support/timing.js';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((file) => existsSync(file));
const OPENSSL = ['/usr/bin/openssl'].find((file) => existsSync(file));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** `text` with `from` replaced, which must be there: the example cannot drift from what is tested. */
function swap(text: string, from: string, to: string): string {
  expect(text, `deploy/nginx.conf no longer holds ${from}`).toContain(from);
  return text.split(from).join(to);
}

describe.skipIf(!NGINX || !OPENSSL)('TLS at nginx, as deploy/nginx.conf says', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let nginx: ChildProcess;
  let dir: string;
  let ca: Buffer;
  let base: string;
  let key: string;

  /** A request over HTTPS that trusts the test's certificate; the status and the body's text. */
  const get = (route: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      https
        .get(`${base}${route}`, { ca, headers }, (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode!, body }));
        })
        .on('error', reject);
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'ti-nginx-'));
    execFileSync(
      OPENSSL!,
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        path.join(dir, 'privkey.pem'),
        '-out',
        path.join(dir, 'fullchain.pem'),
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(path.join(dir, 'fullchain.pem'));

    t = await createTestApp({ verifier: { maxFailuresPerAddress: 3 }, app: { trustedProxies: ['loopback'] } });
    server = await t.listen();
    const workspace = await t.createWorkspace();
    key = (await t.createKey(workspace.id)).key;

    const [httpsPort, httpPort] = [await freePort(), await freePort()];
    let site = readFileSync(path.join(repoRoot, 'deploy/nginx.conf'), 'utf8');
    site = swap(site, 'server 127.0.0.1:4000;', `server ${new URL(server.url).host};`);
    site = swap(site, 'listen 443 ssl;', `listen 127.0.0.1:${httpsPort} ssl;`);
    site = swap(site, 'listen 80;', `listen 127.0.0.1:${httpPort};`);
    site = swap(site, '/etc/ssl/threat-intel/', `${dir}/`);
    writeFileSync(path.join(dir, 'site.conf'), site);
    // What Debian's /etc/nginx/nginx.conf gives the file around it, in the test's own folder.
    writeFileSync(
      path.join(dir, 'nginx.conf'),
      `${process.getuid?.() === 0 ? 'user root;\n' : ''}daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {}
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
    );
    nginx = spawn(NGINX!, ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let errors = '';
    nginx.stderr!.on('data', (chunk) => (errors += String(chunk)));
    base = `https://localhost:${httpsPort}`;
    await until(
      () =>
        get('/healthz').then(
          (answer) => answer.status,
          () => 0,
        ),
      (status) => status === 200 || nginx.exitCode !== null,
      10_000,
      100,
    );
    expect(nginx.exitCode, errors).toBeNull();
  }, 30_000);

  afterAll(async () => {
    nginx?.kill('SIGTERM');
    await server?.close();
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers over HTTPS with the server’s own answers', async () => {
    const listed = await get('/api/v1/iocs?limit=1', { authorization: `Bearer ${key}` });
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body)).toMatchObject({ data: [], pagination: { limit: 1 } });
    expect((await get('/api/v1/iocs')).status).toBe(401);
  });

  it('passes an event stream through as it is written, not when it ends', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const request = https.get(
        `${base}/api/v1/alerts/stream`,
        { ca, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } },
        (response) => {
          expect(response.headers['content-type']).toMatch(/^text\/event-stream/);
          response.setEncoding('utf8');
          response.once('data', (chunk: string) => {
            resolve(chunk);
            request.destroy();
          });
        },
      );
      request.on('error', (error) => (request.destroyed ? undefined : reject(error)));
    });
    expect(first.length).toBeGreaterThan(0);
  });

  it('counts a client that writes its own X-Forwarded-For as itself: the fourth failed guess is refused', async () => {
    const statuses: number[] = [];
    for (const spoofed of ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4']) {
      const answer = await get('/api/v1/iocs?limit=1', {
        authorization: `Bearer ${generateApiKey().key}`,
        'x-forwarded-for': spoofed,
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
