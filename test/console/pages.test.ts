/**
 * The console's pages (issue: the console becomes the workspace's home), end to end in Debian's
 * Chromium (playwright-core) against a real server on a loopback port, with the webhook worker
 * running and a real receiver: each page's main flow, shown or hidden by the key's permissions,
 * axe-core's WCAG 2.1 AA rules on every page (no violation allowed), no horizontal scrolling at
 * 375 px, and screenshots of every page at desktop and phone width in test/artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/logger.js';
import { syncBuiltinLists } from '../../src/iocs/sharedExclusions.js';
import { SecretBox } from '../../src/webhooks/secrets.js';
import type { WebhookSettings } from '../../src/webhooks/settings.js';
import { DeliveryWorker } from '../../src/webhooks/worker.js';
import { FeedWorker } from '../../src/feeds/worker.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { importUlp } from '../support/cli.js';
import { insertCardLeaks, insertCredentialLeaks, insertIocs } from '../support/fixtures.js';
import { repoRoot } from '../support/process.js';
import { until } from '../support/timing.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestDns, type TestDns } from '../support/dns.js';
import { startFeedServer } from '../support/feedServer.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test/artifacts');
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const settings: WebhookSettings = {
  secrets: SecretBox.ephemeral(),
  policy: { allowHttp: true, allowPrivate: true },
  retrySchedule: [0.2, 0.2, 0.2],
};

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let worker: DeliveryWorker;
let fullKey: string;
let narrowKey: string;
let dir: string;
let receiver: Receiver;
let dns: TestDns;

describe.skipIf(!existsSync(CHROMIUM))('the console’s pages in a browser', () => {
  beforeAll(async () => {
    dns = await startTestDns();
    t = await createTestApp({ app: { webhooks: settings, dnsServers: [dns.server] } });
    server = await t.listen();
    worker = new DeliveryWorker(
      t.database,
      settings,
      createLogger('warn', new Writable({ write: (_c, _e, done) => done() })),
      { pollMs: 50, timeoutMs: 2000 },
    );
    await worker.start();
    receiver = await startReceiver(200);
    dir = mkdtempSync(path.join(os.tmpdir(), 'ti-console-'));

    const workspace = await t.createWorkspace({
      plan: 'enterprise',
      scope: { domains: ['acme.example'], emails: ['ceo@mail.test'], bins: ['411111'] },
    });
    fullKey = (await t.createKey(workspace.id)).key;
    narrowKey = (await t.createKey(workspace.id, { permissions: ['iocs:read', 'watchlists:read'] })).key;
    // The shared feed's built-in exclusion lists, as a server's start brings them (before the IOCs:
    // their documentation addresses would be revoked by it).
    await syncBuiltinLists(t.database.db);
    await insertIocs(t.database.db, [
      { type: 'ipv4', value: '203.0.113.7', threatType: 'c2', confidence: 90 },
      { type: 'domain', value: 'evil.example' },
      { type: 'url', value: 'https://login-acme.example/verify' },
      { type: 'sha256', value: 'c'.repeat(64) },
      { type: 'domain', value: 'withdrawn.example', revoked: true },
    ]);
    await insertCredentialLeaks(t.database.db, ['alice@acme.example', 'bob@acme.example', 'victim@other.example']);
    await insertCardLeaks(t.database.db, ['41111122']);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    if (process.env.CONSOLE_DEBUG) {
      page.on('console', (message) => console.log('browser:', message.text()));
      page.on('response', async (response) => {
        if (response.status() >= 400)
          console.log(
            'answer:',
            response.status(),
            response.url(),
            (await response.text().catch(() => '')).slice(0, 300),
            response.request().postData()?.slice(0, 200),
          );
      });
    }
    mkdirSync(artifacts, { recursive: true });
    await signIn(fullKey);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    receiver?.close();
    await server?.close();
    await t?.close();
    await dns?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(key: string): Promise<void> {
    await page.goto(`${server.url}/console/`);
    await page.getByLabel('API key', { exact: true }).fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  }

  const nav = () => page.getByRole('navigation', { name: 'Console' });
  async function open(title: string): Promise<void> {
    await nav().getByRole('link', { name: title, exact: true }).click();
    await page.getByRole('heading', { name: title, level: 1 }).waitFor();
    // The heading of the page just opened has the focus: a screen reader says where the person is.
    await page.waitForFunction(() => document.activeElement?.id === 'page-title');
  }

  /** axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is: none may fail. */
  async function expectNoViolations(where: string): Promise<void> {
    await page.evaluate(AXE);
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as {
          axe: {
            run(
              context: Document,
              options: object,
            ): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }>;
          };
        }
      ).axe;
      const result = await axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
      });
      return result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
    });
    expect(violations, where).toEqual([]);
  }

  /** Both widths: screenshots, axe at each, and no horizontal scrolling of the page at 375 px. */
  async function checkAndShoot(name: string): Promise<void> {
    await expectNoViolations(`${name} at desktop width`);
    await page.screenshot({ path: path.join(artifacts, `console-${name}.png`), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow, `${name} scrolls sideways at 375 px`).toBeLessThanOrEqual(0);
    await expectNoViolations(`${name} at 375 px`);
    await page.screenshot({ path: path.join(artifacts, `console-${name}-phone.png`), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function leak(line: string): Promise<void> {
    const result = await importUlp(t.database, dir, [line]);
    expect(result.json, result.stderr).toMatchObject({ created: 1 });
  }

  it('shows every page to a key with every permission, and the dashboard', async () => {
    await expect(nav().getByRole('link').allInnerTexts()).resolves.toEqual([
      'Dashboard',
      'Watchlists',
      'Alerts',
      'Webhooks',
      'Leak search',
      'IOC lookup',
      'Exclusions',
      'Feeds',
      'Scope',
      'API keys',
    ]);
    await expect(page.locator('#ioc-types').innerText()).resolves.toMatch(/ipv4\s+1/);
    // By status, the shared feed's and the workspace's own together (one fixture IOC is revoked).
    await expect(page.locator('#ioc-statuses li[data-status="active"] .number').innerText()).resolves.toBe('4');
    await expect(page.locator('#ioc-statuses li[data-status="revoked"] .number').innerText()).resolves.toBe('1');
    await expect(page.locator('#key-usage').innerText()).resolves.toBe('2 of 200 active');
    await page.locator('.chart canvas').first().waitFor();
    await page.getByRole('heading', { name: 'Alerts over the last 30 days' }).waitFor();
  });

  it('watchlists: create, add entries, a scope refusal in words, rename, remove, delete after a confirmation', async () => {
    await open('Watchlists');
    await page.getByLabel('Name', { exact: true }).fill('Brand');
    await page.getByRole('button', { name: 'Create watchlist' }).click();
    const card = page.locator('section.watchlist', { hasText: 'Brand' });
    await card.waitFor();
    // Focus goes to the new watchlist's value field, ready for its first entry.
    await page.waitForFunction(() => (document.activeElement as HTMLInputElement | null)?.name === 'value');
    await card.getByLabel('Value').fill('acme.example');
    await card.getByRole('button', { name: 'Add entry' }).click();
    await card.locator('tr[data-entry="acme.example"]').waitFor();
    await card.getByLabel('Value').fill('acme.org');
    await card.getByRole('button', { name: 'Add entry' }).click();
    await expect(card.getByRole('alert').innerText()).resolves.toBe(
      "acme.org is not one of your workspace's verified domains (nor under one of them).",
    );
    await card.getByLabel('Type').selectOption('KEYWORD');
    await card.getByLabel('Value').fill('acmebank');
    await card.getByRole('button', { name: 'Add entry' }).click();
    await card.locator('tr[data-entry="acmebank"]').waitFor();

    await card.getByRole('button', { name: 'Rename Brand' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('Brand and domains');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    const renamed = page.locator('section.watchlist', { hasText: 'Brand and domains' });
    await renamed.getByRole('heading', { name: 'Brand and domains' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Rename Brand and domains');

    await renamed.getByRole('button', { name: 'Remove acmebank from Brand and domains' }).click();
    await renamed.locator('tr[data-entry="acmebank"]').waitFor({ state: 'detached' });
    await checkAndShoot('watchlists');

    await page.getByLabel('Name', { exact: true }).fill('Temporary');
    await page.getByRole('button', { name: 'Create watchlist' }).click();
    const temporary = page.locator('section.watchlist', { hasText: 'Temporary' });
    await temporary.getByRole('button', { name: 'Delete Temporary' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Delete Temporary');
    await temporary.getByRole('button', { name: 'Delete Temporary' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete watchlist' }).click();
    await temporary.waitFor({ state: 'detached' });
    const listed = await (
      await t.fetch('/api/v1/watchlists', { headers: { authorization: `Bearer ${fullKey}` } })
    ).json();
    expect(listed.data.map((w: { name: string }) => w.name)).toEqual(['Brand and domains']);
  });

  it('alerts: one raised by a leaks import arrives live, is announced, and is acknowledged in the page; several resolved at once', async () => {
    await open('Alerts');
    await page.locator('#alert-count', { hasText: '0 alerts shown' }).waitFor();
    await leak('https://portal.acme.example/login:alice@acme.example:Winter2026!');
    const row = page.locator('tr[data-alert]').first();
    await row.waitFor({ timeout: 15_000 });
    await expect(row.innerText()).resolves.toMatch(/credential leak[\s\S]*acme\.example[\s\S]*alice@acme\.example/i);
    await page.waitForFunction(() =>
      document.getElementById('live')?.textContent?.startsWith('New alert: credential leak'),
    );
    // The record's details in a dialog: masked password only; focus back on the button after.
    await row.getByRole('button', { name: /^Details/ }).click();
    const details = page.getByRole('dialog');
    await expect(details.innerText()).resolves.toMatch(/Password \(masked\)/);
    await expect(details.innerText()).resolves.not.toContain('Winter2026!');
    await details.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() =>
      document.activeElement?.getAttribute('aria-label')?.startsWith('Details of the credential leak'),
    );

    await row.getByRole('button', { name: /^Acknowledge/ }).click();
    await page.locator('tr[data-alert][data-status="ACKNOWLEDGED"]').waitFor();
    const listed = await (await t.fetch('/api/v1/alerts', { headers: { authorization: `Bearer ${fullKey}` } })).json();
    expect(listed.data.map((a: { status: string }) => a.status)).toEqual(['acknowledged']);

    await leak('https://shop.acme.example/:bob@acme.example:Summer2026!');
    await page.locator('tr[data-alert]').nth(1).waitFor({ timeout: 15_000 });
    await page.locator('#select-all').check();
    await page.getByRole('button', { name: 'Resolve selected' }).click();
    await page.waitForFunction(() => document.querySelectorAll('tr[data-alert][data-status="RESOLVED"]').length === 2);
    // Filters keep to what they say: only new alerts, none left.
    await page.getByLabel('Status').selectOption('NEW');
    await page.locator('#alert-count', { hasText: '0 alerts shown' }).waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.locator('#alert-count', { hasText: '2 alerts shown' }).waitFor();
    await checkAndShoot('alerts');
  });

  it('scope: claim a domain, copy its TXT record, verify it once published; a long domain fits both widths', async () => {
    await open('Scope');
    const domain = 'security-operations-department.subsidiary-with-a-long-name.example';
    await page.getByLabel('Domain', { exact: true }).fill(domain);
    await page.getByRole('button', { name: 'Claim domain' }).click();
    const row = page.locator(`tr[data-domain="${domain}"]`);
    await row.getByRole('button', { name: `Verify ${domain}` }).waitFor();
    const name = await row.getByLabel(`Name of ${domain}`).inputValue();
    const value = await row.getByLabel(`Value of ${domain}`).inputValue();
    expect(name).toBe(`_threatintel-challenge.${domain}`);
    // Not published yet: the page says what the lookup found.
    await row.getByRole('button', { name: `Verify ${domain}` }).click();
    await page
      .locator('#scope-error', { hasText: /^No TXT record at _threatintel-challenge\..* found no TXT record there\.$/ })
      .waitFor();
    await checkAndShoot('scope');
    dns.setTxt(name, [value]);
    await row.getByRole('button', { name: `Verify ${domain}` }).click();
    await row.getByText('Verified', { exact: true }).waitFor();
    await expect(row.getByRole('button', { name: `Remove ${domain}` }).isVisible()).resolves.toBe(true);
  });

  it('webhooks: an endpoint created in the page (secret shown once) receives a signed delivery; its log shows it, and a retry sends it again', async () => {
    await open('Webhooks');
    await page.getByLabel('URL').fill(receiver.url);
    await page.getByLabel('Description (optional)').fill('SOAR');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretDialog = page.getByRole('dialog', { name: 'Your endpoint’s signing secret' });
    await secretDialog.waitFor();
    const secret = await page.locator('#webhook-secret').inputValue();
    expect(secret).toMatch(/^whsec_/);
    await page.locator('#copy-webhook-secret').waitFor();
    await secretDialog.getByRole('button', { name: 'I have copied it' }).click();
    await page.waitForFunction((url) => document.activeElement?.textContent === url, receiver.url);

    const before = receiver.received.length;
    await leak('https://mail.acme.example/:carol@acme.example:Autumn2026!');
    await until(
      () => receiver.received.length,
      (n) => n > before,
      15_000,
      100,
    );
    const delivery = receiver.received.at(-1)!;
    expect(receiver.received.length).toBe(before + 1);
    const payload = new Webhook(secret).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { type: string; data: { record: { email: string } } };
    expect(payload.data.record.email).toBe('carol@acme.example');

    // The log, read afresh: delivered, HTTP 200; Retry sends it again with the same webhook-id.
    await open('Dashboard');
    await open('Webhooks');
    const logRow = page.locator('tr[data-delivery]').first();
    await expect(logRow.getAttribute('data-status')).resolves.toBe('DELIVERED');
    await expect(logRow.innerText()).resolves.toContain('HTTP 200');
    await logRow.getByRole('button', { name: /^Retry delivery/ }).click();
    await until(
      () => receiver.received.length,
      (n) => n > before + 1,
      15_000,
      100,
    );
    expect(receiver.received.at(-1)!.headers['webhook-id']).toBe(delivery.headers['webhook-id']);

    const endpoint = page.locator('section.endpoint').first();
    await endpoint.getByRole('button', { name: /^Disable/ }).click();
    await endpoint.getByText('Disabled', { exact: true }).waitFor();
    await endpoint.getByRole('button', { name: /^Enable/ }).click();
    await endpoint.getByText('Enabled', { exact: true }).waitFor();
    await endpoint.getByRole('button', { name: /^Rotate secret of/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog', { name: 'The new signing secret' }).waitFor();
    const rotated = await page.locator('#webhook-secret').inputValue();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await page.getByRole('dialog').getByRole('button', { name: 'I have copied it' }).click();
    await checkAndShoot('webhooks');
  });

  it('the dashboard counts what happened: new alerts by kind, alerts per day', async () => {
    await open('Dashboard');
    // Two alerts resolved, the webhook's still new.
    await expect(page.locator('a[data-kind="CREDENTIAL_LEAK"]').innerText()).resolves.toMatch(/^1\s+credential leak$/);
    await page.getByText('3 alerts raised, per UTC day.').waitFor();
    await page.locator('.chart canvas').first().waitFor();
    await page.locator('a[data-kind="CREDENTIAL_LEAK"]').click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page.locator('#alert-count', { hasText: '1 alert shown' }).waitFor();
    await expect(page.getByLabel('Status').inputValue()).resolves.toBe('NEW');
    await open('Dashboard');
    await checkAndShoot('dashboard');
  });

  it('leak search: by domain, site and BIN inside the scope, masked passwords only, counted, downloaded as CSV; outside it, a sentence', async () => {
    // 530 more, with the long addresses real dumps hold.
    await insertCredentialLeaks(
      t.database.db,
      Array.from({ length: 530 }, (_, i) => `firstname.lastname.${i}@security-operations.acme.example`),
    );
    const [counted] = await t.database.rows<{ total: number }>(
      sql`select count(*)::int as total from credential_leaks where domain_key >= 'example.acme.' and domain_key < 'example.acme/'`,
    );
    const total = counted!.total;
    await open('Leak search');
    await page.getByLabel('Value').fill('acme.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Leaks for acme.example' }).waitFor();
    const text = await page.locator('#leak-results').innerText();
    expect(text).toContain('alice@acme.example');
    expect(text).toContain('h*****2');
    expect(text).not.toContain('Winter2026!');
    await expect(page.locator('#leak-count').innerText()).resolves.toBe(`${total} leaks found for acme.example.`);
    await checkAndShoot('leaks');
    // Showing more keeps the count: it is the search's, not the page's.
    await page.getByRole('button', { name: 'Show more leaks' }).click();
    await page.locator('#leak-results tbody tr').nth(49).waitFor();
    await expect(page.locator('#leak-count').innerText()).resolves.toBe(`${total} leaks found for acme.example.`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trimEnd()
      .split('\r\n');
    expect(csv[0]).toBe('Email or login,Site,Password (masked),Source,Leaked,Severity');
    expect(csv).toHaveLength(total + 1);
    expect(csv.join('\n')).not.toContain('Winter2026!');
    expect(csv).toContain(
      'firstname.lastname.529@security-operations.acme.example,,h*****2,test-breach (breach),2026-01-01,medium',
    );
    await page.locator('#leak-export + [role="status"]', { hasText: `${total} rows saved.` }).waitFor();
    await page.getByLabel('Value').fill('other.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe(
      "other.example is not one of your workspace's verified domains (nor under one of them).",
    );
    await page.getByLabel('Search by').selectOption('bin');
    await page.getByLabel('Value').fill('411111');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#leak-results code', { hasText: '41111122…1000' }).waitFor();
  });

  it('IOC lookup: pasted values, defanged ones too, each said known or not; more than 1000 refused in words', async () => {
    await open('IOC lookup');
    await page.getByLabel('Values').fill('203.0.113[.]7\nhxxps://login-acme[.]example/verify\nunknown.example');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('heading', { name: '2 of 3 known' }).waitFor();
    await expect(page.locator('tr[data-known="true"]').count()).resolves.toBe(2);
    await checkAndShoot('lookup');
    await page.getByLabel('Values').fill(Array.from({ length: 1001 }, (_, i) => `198.51.100.${i % 250}`).join('\n'));
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toBe(
      'That is 1001 values: look up at most 1000 at a time.',
    );
  });

  it('an IOC’s page, from a lookup: status, score, validity, the workspace’s sightings, and “False positive here” with a reason', async () => {
    // From another page: the lookup page opened again from itself is not drawn anew.
    await open('Dashboard');
    await open('IOC lookup');
    await page.getByLabel('Values').fill('203.0.113.7');
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.getByRole('link', { name: '203.0.113.7' }).click();
    await page.getByRole('heading', { name: 'IOC 203.0.113.7', level: 1 }).waitFor();
    await expect(page.locator('[data-status]').first().innerText()).resolves.toBe('active');
    await expect(page.locator('#ioc-score').innerText()).resolves.toBe('90 of 100');
    await expect(page.locator('#ioc-sightings').innerText()).resolves.toBe('none reported');
    await checkAndShoot('ioc');
    await page.getByRole('switch', { name: 'False positive here' }).check();
    await page.getByLabel('Reason (optional)').fill('our scanner');
    await page.getByRole('button', { name: 'Save judgement' }).click();
    await page.waitForFunction(() => document.getElementById('live')?.textContent === 'Marked a false positive here.');
    await expect(page.getByRole('switch', { name: 'False positive here' }).isChecked()).resolves.toBe(true);
    const [judged] = await t.database.rows<{ false_positive: boolean; reason: string }>(
      sql`select s.false_positive, s.reason from ioc_sightings s join iocs i on i.id = s.ioc_id where i.value = '203.0.113.7'`,
    );
    expect(judged).toEqual({ false_positive: true, reason: 'our scanner' });
    await page.getByRole('switch', { name: 'False positive here' }).uncheck();
    await page.getByRole('button', { name: 'Save judgement' }).click();
    await page.waitForFunction(
      () => document.getElementById('live')?.textContent === 'No longer a false positive here.',
    );
  });

  it('exclusions: a list made by pasting, what each entry covers, an entry added and removed, the shared lists read-only', async () => {
    await open('Exclusions');
    await page.getByLabel('Name', { exact: true }).fill('Our infrastructure');
    await page.getByLabel('Entries').fill('198.51.100.0/24  # office\n.cdn.acme.example\n203.0.113[.]9');
    await page.getByRole('button', { name: 'Create list' }).click();
    await page.getByRole('heading', { name: 'Our infrastructure: 3 entries' }).waitFor();
    await expect(page.locator('#exclusion-entries').innerText()).resolves.toMatch(
      /198\.51\.100\.0\/24\s+256 addresses from 198\.51\.100\.0/,
    );
    await expect(page.locator('#exclusion-entries').innerText()).resolves.toMatch(
      /\.cdn\.acme\.example\s+cdn\.acme\.example and every subdomain/,
    );
    await checkAndShoot('exclusions');
    await page.getByLabel('Add entries, one a line').fill('2001:db8::/32');
    await page.getByRole('button', { name: 'Add entries' }).click();
    await page.getByRole('heading', { name: 'Our infrastructure: 4 entries' }).waitFor();
    await page.getByRole('button', { name: 'Remove 203.0.113.9' }).click();
    await page.getByRole('heading', { name: 'Our infrastructure: 3 entries' }).waitFor();
    await page.getByLabel('Add entries, one a line').fill('10.0.0.0/33');
    await page.getByRole('button', { name: 'Add entries' }).click();
    await page.locator('#exclusion-list [role="alert"]', { hasText: 'add.0' }).waitFor();
    await expect(page.locator('#shared-lists').innerText()).resolves.toContain('public-dns-resolvers');
    await page.getByRole('link', { name: 'public-dns-resolvers' }).click();
    await page.getByRole('heading', { name: /^public-dns-resolvers: / }).waitFor();
    await expect(page.getByRole('button', { name: /^Remove / }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Our infrastructure' }).click();
    await page.getByRole('button', { name: 'Delete list' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete list' }).click();
    await page.waitForFunction(() => !document.querySelector('#own-lists'));
  });

  it('feeds: one added from the form, pulled by the puller, run again (304: unchanged), the addresses firewalls and MISP read', async () => {
    const origin = await startFeedServer();
    const puller = new FeedWorker(
      t.database,
      settings,
      createLogger('warn', new Writable({ write: (_c, _e, done) => done() })),
      { pollMs: 50 },
    );
    await puller.start();
    try {
      origin.serve('/vendor.txt', { body: 'vendor-one.example\nvendor-two.example\n', etag: '"v1"' });
      await open('Feeds');
      await page.getByLabel('Name (the source of the IOCs it brings)').fill('Vendor list');
      await page.getByLabel('URL (https, a public address)').fill(`${origin.url}/vendor.txt`);
      await page.getByLabel('Format').selectOption('TEXT');
      await page.getByLabel('Every').fill('6h');
      await page.getByLabel('Request header (optional)').fill('Authorization');
      await page.getByLabel('Its value: stored sealed, never shown again').fill('Bearer vendor-secret');
      await page.getByRole('button', { name: 'Add feed' }).click();
      await page.locator('tr[data-feed="Vendor list"]').waitFor();
      await until(
        async () =>
          (
            await t.database.rows<{ ok: boolean }>(
              sql`select last_success_at is not null as ok from feeds where name = 'Vendor list'`,
            )
          )[0]?.ok,
        Boolean,
      );
      expect(origin.requests[0]!.headers.authorization).toBe('Bearer vendor-secret');
      await page.getByRole('button', { name: 'Run now: Vendor list' }).click();
      await page.locator('tr[data-feed="Vendor list"]', { hasText: 'unchanged since the last pull' }).waitFor();
      await expect(page.locator('#blocklist-urls').innerText()).resolves.toContain(
        `${server.url}/api/v1/blocklists/ipv4.txt`,
      );
      await expect(page.locator('#feeds-out').innerText()).resolves.toContain(`${server.url}/misp/shared`);
      expect(await page.content()).not.toContain('vendor-secret');
      await checkAndShoot('feeds');
      await page.getByRole('button', { name: 'Delete Vendor list' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Delete feed' }).click();
      await page.locator('#feeds', { hasText: 'No feeds yet.' }).waitFor();
    } finally {
      await puller.close();
      await origin.close();
    }
  });

  it('API keys page passes too', async () => {
    await open('API keys');
    await page.locator('tr[data-prefix]').first().waitFor();
    await checkAndShoot('keys-page');
  });

  it('is usable from the keyboard: the navigation, then the page’s heading', async () => {
    await nav().getByRole('link', { name: 'Dashboard' }).focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Watchlists', level: 1 }).waitFor();
    await page.waitForFunction(() => document.activeElement?.id === 'page-title');
  });

  it('pages alerts and leaks by keyset: "Show more" brings the next page, nothing twice', async () => {
    const lines = Array.from({ length: 30 }, (_, i) => `https://app.acme.example/:user${i}@acme.example:Pass${i}word!`);
    const imported = await importUlp(t.database, dir, lines);
    expect(imported.json, imported.stderr).toMatchObject({ created: 30 });
    await open('Alerts');
    await page.locator('#alert-count', { hasText: '25 alerts shown' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Show more alerts' }).click();
    await page.locator('#alert-count', { hasText: '33 alerts shown' }).waitFor({ timeout: 10_000 });
    const ids = await page
      .locator('tr[data-alert]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-alert')));
    expect(new Set(ids).size).toBe(33);
    await expect(page.getByRole('button', { name: 'Show more alerts' }).count()).resolves.toBe(0);

    await open('Leak search');
    await page.getByLabel('Value').fill('acme.example');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('heading', { name: 'Leaks for acme.example' }).waitFor();
    await expect(page.locator('tr[data-leak]').count()).resolves.toBe(25);
    await page.getByRole('button', { name: 'Show more leaks' }).click();
    // The domain and its subdomains (the leak search test added 530 under one).
    const [stored] = await t.database.rows<{ n: number }>(
      sql`select count(*)::int as n from credential_leaks where domain_key >= 'example.acme.' and domain_key < 'example.acme/'`,
    );
    expect(stored!.n).toBeGreaterThan(25);
    const shown = Math.min(stored!.n, 50);
    await page.waitForFunction((n) => document.querySelectorAll('tr[data-leak]').length === n, shown, {
      timeout: 10_000,
    });
    const leaks = await page
      .locator('tr[data-leak]')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-leak')));
    expect(new Set(leaks).size).toBe(shown);
  });

  it(
    'alerts with real data: long values and 500+ alerts fit at 1366 and 1280 px, nothing clipped; the dashboard’s cards line up',
    { timeout: 60_000 },
    async () => {
      const lines = Array.from(
        { length: 520 },
        (_, i) =>
          `https://customer-portal.login.security-operations.acme.example/auth/:firstname.lastname.${i}@security-operations.acme.example:Pw-${i}`,
      );
      const imported = await importUlp(t.database, dir, lines);
      expect(imported.json, imported.stderr).toMatchObject({ created: 520 });
      await open('Alerts');
      // 25 a page, and more as the stream brings them.
      await page.locator('tr[data-alert]').nth(24).waitFor();
      for (const width of [1366, 1280]) {
        await page.setViewportSize({ width, height: 900 });
        await page.waitForTimeout(100);
        const fit = await page.evaluate(() => {
          const region = document.querySelector<HTMLElement>('#alerts')!.parentElement!;
          const box = region.getBoundingClientRect();
          const buttons = [...document.querySelectorAll<HTMLElement>('#alerts td.actions button')];
          return {
            scrolls: region.scrollWidth - region.clientWidth,
            clipped: buttons.filter((b) => b.getBoundingClientRect().right > box.right + 0.5).length,
            buttons: buttons.length,
          };
        });
        expect(fit.buttons, `${width} px`).toBeGreaterThan(25);
        expect(fit, `${width} px`).toMatchObject({ scrolls: 0, clipped: 0 });
      }
      await checkAndShoot('alerts-long');
      await page.setViewportSize({ width: 1366, height: 900 });
      await open('Dashboard');
      await page.getByRole('heading', { name: 'Alerts over the last 30 days' }).waitFor();
      const tops = await page.evaluate(() =>
        [...document.querySelectorAll<HTMLElement>('.grid > .card')].map((card) =>
          Math.round(card.getBoundingClientRect().top),
        ),
      );
      // The cards of the first row start at the same height.
      const firstRow = tops.filter((top) => top === Math.min(...tops));
      expect(firstRow.length, JSON.stringify(tops)).toBeGreaterThanOrEqual(2);
      expect(tops[1], JSON.stringify(tops)).toBe(tops[0]);
      await page.setViewportSize({ width: 1280, height: 900 });
    },
  );

  it('hides the pages a key may not use: no Webhooks without webhooks:read, and its address leads to the dashboard', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(narrowKey);
    await expect(nav().getByRole('link').allInnerTexts()).resolves.toEqual([
      'Dashboard',
      'Watchlists',
      'Alerts',
      'IOC lookup',
      'Exclusions',
      'Feeds',
      'Scope',
    ]);
    await page.goto(`${server.url}/console/#/webhooks`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await expect(page.getByRole('heading', { name: 'Webhooks' }).count()).resolves.toBe(0);
    await open('Watchlists');
    await expect(page.getByRole('button', { name: 'Create watchlist' }).count()).resolves.toBe(0);
    await page.getByText('lacks watchlists:write').waitFor();
    // The scope is every key's to see; claiming needs scope:write.
    await open('Scope');
    await page.getByText('lacks scope:write').waitFor();
    await expect(page.getByRole('button', { name: 'Claim domain' }).count()).resolves.toBe(0);
  });
});
