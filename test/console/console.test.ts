/**
 * The key console's API keys page at /console/#/keys (issue: key console), end to end in a real headless Chromium
 * (Debian's package, driven by playwright-core) against a real server on a loopback port: sign in,
 * create a key and use its secret, rotate, revoke, the plan limit, sign out. Screenshots of the
 * keys page (desktop and phone width) are kept in test/artifacts/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { repoRoot } from '../support/process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const artifacts = path.join(repoRoot, 'test/artifacts');

let t: TestApp;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let page: Page;
let adminKey: string;

describe.skipIf(!existsSync(CHROMIUM))('the key console in a browser', () => {
  beforeAll(async () => {
    t = await createTestApp();
    server = await t.listen();
    const workspace = await t.createWorkspace({ plan: 'free', scope: { domains: ['acme.example'], bins: ['411111'] } });
    adminKey = (await t.createKey(workspace.id)).key;
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
    mkdirSync(artifacts, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  /** A row of the keys table (the audit log names keys too). */
  const keyRow = (name: string) => page.locator('tr[data-prefix]', { hasText: name });
  const api = (key: string) =>
    fetch(`${server.url}/api/v1/iocs?limit=1`, { headers: { authorization: `Bearer ${key}` } });
  /** Waits until the element with this id has the focus (the page refreshes before it moves focus). */
  const focusOn = (id: string) =>
    page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5000 });
  /** Waits until the page shows this count (it refreshes after each action). */
  const keyLimitShows = (text: string) => page.locator('#key-limit', { hasText: text }).waitFor({ timeout: 5000 });
  const secretShown = async () => {
    await page.getByRole('dialog', { name: 'Your new API key' }).waitFor();
    await page.getByText('you will not see this key again', { exact: false }).waitFor();
    const secret = await page.locator('#secret').inputValue();
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    return secret;
  };

  async function createKey(name: string): Promise<void> {
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByLabel('Name').fill(name);
    await page.getByRole('button', { name: 'Create key' }).last().click();
  }

  it('serves the page with a strict Content-Security-Policy and caching that fits each file', async () => {
    const response = await page.goto(`${server.url}/console/`);
    expect(response!.status()).toBe(200);
    const headers = response!.headers();
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['content-security-policy']).not.toContain('unsafe-inline');
    expect(headers['cache-control']).toBe('no-cache');
    const script = await page.locator('script[src]').getAttribute('src');
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('refuses a wrong key in words, then signs in with an admin key kept in session storage only', async () => {
    await page.getByLabel('API key', { exact: true }).fill('sk_live_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').innerText()).resolves.toMatch(/not valid/);

    await page.getByLabel('API key', { exact: true }).fill(adminKey);
    await page.keyboard.press('Enter');
    // Signed in: the dashboard first, then the keys page from the navigation.
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await keyLimitShows('1 of 3 keys');
    expect(
      await page.evaluate(() => ({ session: Object.keys(sessionStorage), local: Object.keys(localStorage) })),
    ).toEqual({
      session: ['ti-console-api-key'],
      local: [],
    });
    await page.getByRole('heading', { name: 'Workspace scope' }).waitFor();
    await page.getByText('acme.example').waitFor();
  });

  let firstSecret: string;

  it('creates a key with read-only permissions by default, shows its secret once, and the secret works', async () => {
    await page.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByLabel(/Read IOCs/).isChecked()).resolves.toBe(true);
    await expect(page.getByLabel(/Create, rotate and revoke API keys/).isChecked()).resolves.toBe(false);
    await page.getByLabel('Name').fill('SIEM connector');
    await page.getByLabel('Expires').selectOption('90');
    await page.getByRole('button', { name: 'Create key' }).last().click();
    firstSecret = await secretShown();
    expect(firstSecret).toMatch(/^sk_live_[0-9A-Za-z]{42}$/);
    // Focus comes back to where the dialog was opened from.
    await focusOn('create-key');
    expect((await api(firstSecret)).status).toBe(200);

    const row = keyRow('SIEM connector');
    await expect(row.innerText()).resolves.toMatch(/iocs:read, watchlists:read, dataleaks:read/);
    await keyLimitShows('2 of 3 keys');
    await page.screenshot({ path: path.join(artifacts, 'console-keys.png'), fullPage: true });
  });

  let rotatedSecret: string;

  it('rotates a key with the grace period chosen, and the old key is refused at once with no grace', async () => {
    await keyRow('SIEM connector')
      .filter({ hasText: 'Active' })
      .getByRole('button', { name: /^Rotate/ })
      .click();
    await page.getByLabel('The old key stops working').selectOption('0');
    await page.getByRole('button', { name: 'Rotate key' }).click();
    rotatedSecret = await secretShown();
    expect(rotatedSecret).not.toBe(firstSecret);
    expect((await api(firstSecret)).status).toBe(401);
    expect((await api(rotatedSecret)).status).toBe(200);
    // The list shows the old key expired and the new one active, under the same name.
    await keyRow('SIEM connector').filter({ hasText: 'Expired' }).waitFor({ timeout: 5000 });
    await expect(keyRow('SIEM connector').filter({ hasText: 'Active' }).count()).resolves.toBe(1);
  });

  it('revokes a key after a confirmation, and the API refuses it from then on', async () => {
    const row = keyRow('SIEM connector').filter({ hasText: 'Active' });
    await row.getByRole('button', { name: /^Revoke/ }).click();
    const dialog = page.getByRole('dialog', { name: /Revoke “SIEM connector”/ });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await api(rotatedSecret)).status).toBe(200);

    await row.getByRole('button', { name: /^Revoke/ }).click();
    await page.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const refused = await api(rotatedSecret);
    expect(refused.status).toBe(401);
    expect((await refused.json()).error.code).toBe('expired_api_key');
    // The audit log, newest first, starts with the revocation.
    await page.locator('#audit tbody tr').first().filter({ hasText: 'Revoked' }).waitFor({ timeout: 5000 });
  });

  it('says so in words when the plan limit is reached', async () => {
    await keyLimitShows('1 of 3 keys');
    await createKey('Second');
    await secretShown();
    await keyLimitShows('2 of 3 keys');
    await createKey('Third');
    await secretShown();
    await keyLimitShows('3 of 3 keys');
    await createKey('One too many');
    const message = page.getByRole('dialog').getByRole('alert');
    await expect(message.innerText()).resolves.toBe(
      'Your plan allows 3 active keys, and all of them are in use. Revoke a key you no longer need, or upgrade your plan.',
    );
    // Escape closes the dialog and gives focus back to the button that opened it.
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await focusOn('create-key');
  });

  it('is usable from the keyboard alone', async () => {
    await page.locator('#create-key').focus();
    await page.keyboard.press('Enter');
    await focusOn('new-key-name');
    await page.keyboard.press('Tab');
    await expect(page.evaluate(() => (document.activeElement as HTMLInputElement).value)).resolves.toBe('IOCS_READ');
    await page.keyboard.press('Escape');
    await focusOn('create-key');
  });

  it('marks the key of this session, shows times as people say them, and rotation due only when it is', async () => {
    const mine = page.locator('tr.current');
    await expect(mine.count()).resolves.toBe(1);
    await mine.getByText('this session').waitFor();
    const created = mine.locator('time').first();
    expect(await created.innerText()).toMatch(/now|ago/);
    expect(await created.getAttribute('title')).toMatch(/\d/);
    await expect(page.getByRole('columnheader', { name: 'Rotation due' }).count()).resolves.toBe(0);
    await expect(page.getByText('rotation due').count()).resolves.toBe(0);
    // The audit log names keys and the command line in words.
    await page.locator('#audit').getByText('The command line').first().waitFor();
  });

  it('fits a phone screen, with every action on it', async () => {
    await page.setViewportSize({ width: 375, height: 812 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    for (const button of await page.getByRole('button', { name: /^(Rotate|Revoke) / }).all()) {
      const box = (await button.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
    }
    await page.screenshot({ path: path.join(artifacts, 'console-keys-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('rotating the key of this session carries on with the new key', async () => {
    await page
      .locator('tr.current')
      .getByRole('button', { name: /^Rotate/ })
      .click();
    const dialog = page.getByRole('dialog', { name: /^Rotate/ });
    await dialog.getByText('the console switches to the new key by itself').waitFor();
    await page.getByLabel('The old key stops working').selectOption('0');
    await page.getByRole('button', { name: 'Rotate key' }).click();
    const secret = await secretShown();
    expect(await page.evaluate(() => sessionStorage.getItem(sessionStorage.key(0)!))).toBe(secret);
    adminKey = secret;
    // The table is drawn again once the console has switched keys: wait for that, not for a moment.
    await page.locator('tr.current').getByText('Active').waitFor();
  });

  it('signs out and forgets the key', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.reload();
    await page.getByLabel('API key', { exact: true }).waitFor();
  });

  it('revoking the key of this session warns first, then signs out cleanly', async () => {
    await page.getByLabel('API key', { exact: true }).fill(adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: 'API keys' }).click();
    await page
      .locator('tr.current')
      .getByRole('button', { name: /^Revoke/ })
      .click();
    const dialog = page.getByRole('dialog', { name: /the key you are signed in with\?$/ });
    await dialog.getByText('you will be signed out at once').waitFor();
    await page.getByRole('button', { name: 'Revoke and sign out' }).click();
    await page.getByLabel('API key', { exact: true }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'the key you were signed in with' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    expect((await api(adminKey)).status).toBe(401);
  });
});
