/**
 * GraphiQL from the server alone (issue: the first hour): in Debian's Chromium with every request
 * to anywhere but the server refused (a machine without internet), the page loads, the key goes
 * into its Headers tab, and a keyed query answers. Its Content-Security-Policy allows no other
 * origin and no inline script but its own.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app.js';
import { repoRoot } from '../support/process.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('GraphiQL with the network closed', () => {
  let t: TestApp;
  let server: { url: string; close(): Promise<void> };
  let browser: Browser;
  let key: string;

  beforeAll(async () => {
    t = await createTestApp();
    server = await t.listen();
    key = (await t.createKey((await t.createWorkspace()).id)).key;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await t?.close();
  });

  it('serves the page under a strict policy, without a key', async () => {
    const response = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const policy = response.headers.get('content-security-policy')!;
    expect(policy).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; worker-src blob:;/);
    expect(policy).not.toMatch(/https?:|'unsafe-eval'|script-src[^;]*'unsafe-inline'/);
    const html = await response.text();
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="?https?:/);
  });

  it('runs a keyed query with nothing fetched from outside', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const outside: string[] = [];
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (`${url.protocol}//${url.host}` === server.url || url.protocol === 'blob:' || url.protocol === 'data:')
        return route.continue();
      outside.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.goto(`${server.url}/graphql`);
    await page.locator('.graphiql-container').first().waitFor({ timeout: 30_000 });

    // The Headers tab: replace the hint with the key, as a person pastes it.
    await page
      .getByRole('tab', { name: 'Headers' })
      .or(page.getByText('Headers', { exact: true }))
      .first()
      .click();
    const headersEditor = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await headersEditor.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(JSON.stringify({ Authorization: `Bearer ${key}` }));
    await page.getByRole('button', { name: /Execute query/ }).click();
    const result = page.locator('.graphiql-response');
    await expect
      .poll(async () => (await result.innerText()).replace(/\s+/g, ' '), { timeout: 15_000 })
      .toMatch(/"name": "test key"/);
    mkdirSync(path.join(repoRoot, 'test/artifacts'), { recursive: true });
    await page.screenshot({ path: path.join(repoRoot, 'test/artifacts/graphiql.png') });
    expect(outside).toEqual([]);
    expect(violations).toEqual([]);
    await context.close();
  }, 60_000);
});
