/**
 * The shared feed's exclusion lists (section 13): the built-in ones follow their files (each names
 * its source) and revoke the shared IOCs they cover; an operator's lists are made with the CLI; an
 * import into the shared feed refuses what they cover, naming the list, while a workspace's own
 * submissions are not refused; they show, read-only, among a workspace's lists.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_LISTS, readListText, syncBuiltinLists } from '../../src/iocs/sharedExclusions.js';
import { createTestApp, type TestApp } from '../support/app.js';
import { callJson } from '../support/rest.js';
import { runCommand } from '../support/cli.js';
import { insertIocs } from '../support/fixtures.js';

let t: TestApp;
let key: string;
let dir: string;

beforeAll(async () => {
  t = await createTestApp();
  key = (await t.createKey((await t.createWorkspace()).id)).key;
  dir = mkdtempSync(path.join(tmpdir(), 'ti-shared-exclusions-'));
});
afterAll(async () => {
  await t.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = (method: string, url: string, body?: unknown) => callJson(t, key, method, url, body);
const lookup = async (value: string) =>
  (await call('POST', '/api/v1/iocs/lookup', { values: [value] })).json!.data[0] as Record<string, any>;
const importCsv = async (rows: string[]) => {
  const file = path.join(dir, `feed-${Math.random().toString(36).slice(2)}.csv`);
  writeFileSync(file, `type,value\n${rows.join('\n')}\n`);
  return runCommand(t.database, ['import', '--file', file]);
};

describe('built-in lists', () => {
  it('are data files that name their source, with every line a valid entry; at least 200 platform domains', () => {
    for (const name of BUILTIN_LISTS) {
      const text = readFileSync(new URL(`../../data/exclusions/${name}.txt`, import.meta.url), 'utf8');
      expect(text, name).toMatch(/^# Source: /m);
      const { entries, errors } = readListText(text);
      expect(errors, name).toEqual([]);
      expect(entries.length, name).toBeGreaterThan(10);
    }
    const platforms = readListText(
      readFileSync(new URL('../../data/exclusions/major-platforms.txt', import.meta.url), 'utf8'),
    ).entries;
    expect(platforms.length).toBeGreaterThanOrEqual(200);
    // Exact values, not suffixes: phishing on a platform's subdomains stays an indicator.
    expect(platforms.every((entry) => entry.kind === 'value')).toBe(true);
  });

  it('are loaded once, revoke the shared IOCs they cover, and leave a workspace’s own alone', async () => {
    await insertIocs(t.database.db, [
      { type: 'ipv4', value: '10.20.30.40' },
      { type: 'ipv4', value: '8.8.8.8' },
      { type: 'domain', value: 'google.com' },
      { type: 'domain', value: 'phish.blogspot.com' },
      { type: 'ipv6', value: 'fe80::1' },
    ]);
    await call('POST', '/api/v1/iocs', { iocs: [{ value: '10.20.30.41' }] });
    expect(await syncBuiltinLists(t.database.db)).toEqual({ revoked: 4 });
    expect(await syncBuiltinLists(t.database.db)).toEqual({ revoked: 0 });
    for (const value of ['10.20.30.40', '8.8.8.8', 'google.com', 'fe80::1'])
      expect(await lookup(value), value).toMatchObject({ status: 'revoked' });
    expect(await lookup('phish.blogspot.com')).toMatchObject({ status: 'active' });
    expect(await lookup('10.20.30.41')).toMatchObject({ status: 'active', shared: false });
  });

  it('make an import into the shared feed refuse what they cover, naming the list; a workspace’s submission passes', async () => {
    const result = await importCsv([
      'ipv4,192.168.1.1',
      'ipv4,1.1.1.1',
      'domain,microsoft.com',
      'domain,evil.example',
      'ipv6,2001:db8::5',
    ]);
    expect(result.json).toMatchObject({
      created: 1,
      rejected: 4,
      errors: [
        { line: 2, reason: 'on exclusion list iana-special-purpose' },
        { line: 3, reason: 'on exclusion list public-dns-resolvers' },
        { line: 4, reason: 'on exclusion list major-platforms' },
        { line: 6, reason: 'on exclusion list iana-special-purpose' },
      ],
    });
    expect(await lookup('192.168.1.1')).toBeNull();
    const submitted = await call('POST', '/api/v1/iocs', { iocs: [{ value: '192.168.1.1' }] });
    expect(submitted.json!.data).toMatchObject({ created: 1, rejected: [] });
  });

  it('show among a workspace’s lists, read-only', async () => {
    const lists = (await call('GET', '/api/v1/exclusions')).json!.data as Record<string, any>[];
    expect(lists.map((l) => [l.name, l.shared])).toEqual(
      expect.arrayContaining([
        ['iana-special-purpose', true],
        ['public-dns-resolvers', true],
        ['major-platforms', true],
      ]),
    );
    const iana = lists.find((l) => l.name === 'iana-special-purpose')!;
    expect((await call('GET', `/api/v1/exclusions/${iana.id}`)).json!.data.entries).toContain('10.0.0.0/8');
    expect((await call('PATCH', `/api/v1/exclusions/${iana.id}`, { add: ['1.2.3.4'] })).json!.error).toMatchObject({
      code: 'forbidden',
    });
    expect((await call('DELETE', `/api/v1/exclusions/${iana.id}`)).json!.error).toMatchObject({ code: 'forbidden' });
  });
});

describe('operators’ lists', () => {
  it('are managed with the exclusions commands, revoke what they cover, and refuse later imports', async () => {
    await insertIocs(t.database.db, [
      { type: 'domain', value: 'a.partner-cdn.example' },
      { type: 'url', value: 'https://b.partner-cdn.example/x' },
      { type: 'ipv4', value: '100.100.1.1' },
    ]);
    const added = await runCommand(t.database, [
      'exclusions',
      'add',
      '--list',
      'partners',
      '--value',
      '.partner-cdn.example',
    ]);
    expect(added.json).toEqual({ list: 'partners', added: 1, revoked: 2 });
    expect(await lookup('a.partner-cdn.example')).toMatchObject({ status: 'revoked' });
    expect(await lookup('https://b.partner-cdn.example/x')).toMatchObject({ status: 'revoked' });

    const file = path.join(dir, 'partners.txt');
    writeFileSync(file, '# our partners\n100.100.0.0/16   # their NAT\n\n198.18.0.1\n');
    expect((await runCommand(t.database, ['exclusions', 'import', '--list', 'partners', '--file', file])).json).toEqual(
      {
        list: 'partners',
        added: 2,
        revoked: 1,
      },
    );
    writeFileSync(file, '100.100.0.0/16\nnot an entry\n');
    const bad = await runCommand(t.database, ['exclusions', 'import', '--list', 'partners', '--file', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 2');

    expect((await importCsv(['domain,c.partner-cdn.example'])).json).toMatchObject({
      created: 0,
      errors: [{ line: 2, reason: 'on exclusion list partners' }],
    });
    const listed = await runCommand(t.database, ['exclusions', 'list']);
    expect(listed.json.lists).toEqual(
      expect.arrayContaining([
        { name: 'partners', builtin: false, entries: 3 },
        expect.objectContaining({ name: 'major-platforms', builtin: true }),
      ]),
    );
    expect(
      (await runCommand(t.database, ['exclusions', 'remove', '--list', 'partners', '--value', '.partner-cdn.example']))
        .json,
    ).toEqual({
      list: 'partners',
      removed: 1,
    });
    expect((await importCsv(['domain,c.partner-cdn.example'])).json).toMatchObject({ created: 1, rejected: 0 });
  });

  it('never change a built-in list, and say why', async () => {
    const refused = await runCommand(t.database, [
      'exclusions',
      'add',
      '--list',
      'major-platforms',
      '--value',
      'example.org',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('data/exclusions/major-platforms.txt');
    const badValue = await runCommand(t.database, ['exclusions', 'add', '--list', 'x', '--value', '10.0.0.0/40']);
    expect(badValue.code).toBe(1);
    expect(badValue.stderr).toContain('is not a CIDR range');
    expect(
      (await runCommand(t.database, ['exclusions', 'remove', '--list', 'nobody', '--value', '1.2.3.4'])).stderr,
    ).toContain('there is no operator list nobody');
  });
});
