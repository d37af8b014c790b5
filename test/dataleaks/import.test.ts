/**
 * `leaks import` (docs/api.md §9): each of the five formats from a realistic file written here (CRLF,
 * blank lines, malformed lines, passwords with `:` and non-ASCII letters, nested stealer folders,
 * a zip), the exact report, the rows stored, a re-import that only finds duplicates, and no
 * password or card number in clear anywhere: not in the database (a dump of all of it), not in a
 * report, an error or a log line.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yazl from 'yazl';
import { createTestApp, type TestApp } from '../support/app.js';
import { runCommand } from '../support/cli.js';
import { combolistRecord } from '../../src/dataleaks/formats.js';
import { Rejected } from '../../src/dataleaks/records.js';

let t: TestApp;
let dir: string;
beforeAll(async () => {
  t = await createTestApp();
  dir = mkdtempSync(path.join(os.tmpdir(), 'ti-leaks-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await t.close();
});

/** Every command's output, to be searched for plaintext at the end. */
const outputs: string[] = [];
async function leaksImport(file: string, format: string, source: string, ...extra: string[]) {
  const sourceType =
    format === 'cards' ? [] : ['--source-type', format === 'stealer' || format === 'ulp' ? 'stealer_log' : 'combolist'];
  const result = await runCommand(t.database, [
    'leaks',
    'import',
    '--file',
    file,
    '--format',
    format,
    '--source',
    source,
    ...sourceType,
    ...extra,
  ]);
  outputs.push(result.stdout, result.stderr);
  return result;
}

function write(name: string, content: string | Buffer): string {
  const at = path.join(dir, name);
  mkdirSync(path.dirname(at), { recursive: true });
  writeFileSync(at, content);
  return at;
}

/** The mask of docs/api.md §9: first and last code point, `*` between; `****` up to 4. */
const mask = (password: string) => {
  const points = [...password];
  return points.length <= 4 ? '****' : `${points[0]}${'*'.repeat(points.length - 2)}${points.at(-1)}`;
};
const sha1 = (password: string) => createHash('sha1').update(password, 'utf8').digest('hex');

interface StoredCredential {
  email: string | null;
  domain: string | null;
  username: string;
  site: string | null;
  password_masked: string;
  sha1: string;
  source_type: string;
  leaked_at: string | null;
}

async function credentials(source: string): Promise<StoredCredential[]> {
  return t.database.rows<StoredCredential>(sql`
    select email, domain, username, site, password_masked, encode(password_sha1, 'hex') as sha1, source_type::text,
           to_char(leaked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as leaked_at
    from credential_leaks where source_name = ${source} order by id`);
}

/** Passwords the files below hold; none may be found in clear afterwards. */
const PASSWORDS = {
  alice: 'S3cret:x-Zq7',
  bob: 'correct horse battery',
  jdoe: 'pässwörd€-Ωμέγα',
  dave: 'abc',
  ulpSso: 'Tr0ub4dor:&:3',
  mallory: 'pa:ss:word-mallory',
  admin: 'admin123-router',
  app: 'pw12345-android',
  hans: 'Grüße-aus-München',
  stealerAlice: 'Winter2026!-stealer',
  stealerBob: 'p@ss:w0rd-edge',
  carol: 'Ünïcødé-Fïrefox-pw',
  frank: 'pass,with,commas',
  grace: 'quote"d-grace',
};

describe('combolist', () => {
  const file = () =>
    write(
      'combo.txt',
      Buffer.concat([
        Buffer.from(
          [
            `alice@acme.example:${PASSWORDS.alice}`,
            `bob.smith@Acme.Example;${PASSWORDS.bob}`,
            '',
            `jdoe|${PASSWORDS.jdoe}`,
            'no separator here',
            ':no-login',
            'carol@@acme.example:whatever',
            `alice@acme.example:${PASSWORDS.alice}`,
            `dave@sub.acme.example:${PASSWORDS.dave}`,
            '',
          ].join('\r\n'),
        ),
        // A byte that is no UTF-8 (Latin-1 é) becomes U+FFFD.
        Buffer.from([
          0x65, 0x76, 0x65, 0x40, 0x61, 0x63, 0x6d, 0x65, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x3a, 0x63,
          0x61, 0x66, 0xe9, 0x0d, 0x0a,
        ]),
      ]),
    );

  it('stores each good line once, rejects the others with their line, and reports exactly', async () => {
    const { code, json, stderr } = await leaksImport(
      file(),
      'combolist',
      'combo-2026',
      '--leaked-at',
      '2026-02-03T04:05:06Z',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(json).toEqual({
      read: 9,
      created: 5,
      duplicates: 1,
      rejected: 3,
      errors: [
        { line: 5, reason: 'no separator (:, ; or |) between login and password' },
        { line: 6, reason: 'no login' },
        {
          line: 7,
          reason:
            'the login is not a valid email address (the line was split at its first ":", which is tried before ";" and "|")',
        },
      ],
      alerts: 0,
    });
    const rows = await credentials('combo-2026');
    expect(rows).toEqual([
      {
        email: 'alice@acme.example',
        domain: 'acme.example',
        username: 'alice',
        site: null,
        password_masked: 'S**********7',
        sha1: sha1(PASSWORDS.alice),
        source_type: 'combolist',
        leaked_at: '2026-02-03T04:05:06Z',
      },
      {
        email: 'bob.smith@acme.example',
        domain: 'acme.example',
        username: 'bob.smith',
        site: null,
        password_masked: mask(PASSWORDS.bob),
        sha1: sha1(PASSWORDS.bob),
        source_type: 'combolist',
        leaked_at: '2026-02-03T04:05:06Z',
      },
      {
        email: null,
        domain: null,
        username: 'jdoe',
        site: null,
        password_masked: 'p*************α',
        sha1: sha1(PASSWORDS.jdoe),
        source_type: 'combolist',
        leaked_at: '2026-02-03T04:05:06Z',
      },
      {
        email: 'dave@sub.acme.example',
        domain: 'sub.acme.example',
        username: 'dave',
        site: null,
        password_masked: '****',
        sha1: sha1(PASSWORDS.dave),
        source_type: 'combolist',
        leaked_at: '2026-02-03T04:05:06Z',
      },
      {
        email: 'eve@acme.example',
        domain: 'acme.example',
        username: 'eve',
        site: null,
        password_masked: '****',
        sha1: sha1('caf\uFFFD'),
        source_type: 'combolist',
        leaked_at: '2026-02-03T04:05:06Z',
      },
    ]);
  });

  it('creates nothing when the same file comes again: every good line is a duplicate', async () => {
    const { json } = await leaksImport(file(), 'combolist', 'combo-2026');
    expect(json).toMatchObject({ read: 9, created: 0, duplicates: 6, rejected: 3, alerts: 0 });
    expect(await credentials('combo-2026')).toHaveLength(5);
  });

  it('takes the same credential from another source as another leak', async () => {
    const { json } = await leaksImport(file(), 'combolist', 'combo-2026-mirror');
    expect(json).toMatchObject({ read: 9, created: 5, duplicates: 1, rejected: 3 });
  });
});

describe('ulp', () => {
  const file = () =>
    write(
      'ulp.txt',
      [
        `https://sso.acme.example:8443/login:jdoe@acme.example:${PASSWORDS.ulpSso}`,
        `shop.acme.example/account:mallory:${PASSWORDS.mallory}`,
        '',
        `http://192.168.1.10:8080/admin:admin:${PASSWORDS.admin}`,
        `android://Xyz9AbC==@com.acme.app/:user@gmail.test:${PASSWORDS.app}`,
        'https://:8443/x:someone:secret1',
        'just text, no fields',
        `https://MÜNCHEN.example/login:hans@münchen.example:${PASSWORDS.hans}`,
        `SSO.acme.example:jdoe@acme.example:${PASSWORDS.ulpSso}`,
      ].join('\n'),
    );

  it('reads the URL (scheme, port, path), the login after it and the password as the rest', async () => {
    const { json } = await leaksImport(file(), 'ulp', 'ulp-2026');
    expect(json).toEqual({
      read: 8,
      created: 5,
      // The last line is the first one again: another letter case, no scheme, no port, no path.
      duplicates: 1,
      rejected: 2,
      errors: [
        { line: 6, reason: 'the URL has no host' },
        { line: 7, reason: 'not URL:login:password' },
      ],
      alerts: 0,
    });
    const rows = await credentials('ulp-2026');
    expect(rows.map(({ email, username, site, sha1: hash }) => ({ email, username, site, hash }))).toEqual([
      { email: 'jdoe@acme.example', username: 'jdoe', site: 'sso.acme.example', hash: sha1(PASSWORDS.ulpSso) },
      { email: null, username: 'mallory', site: 'shop.acme.example', hash: sha1(PASSWORDS.mallory) },
      { email: null, username: 'admin', site: '192.168.1.10', hash: sha1(PASSWORDS.admin) },
      { email: 'user@gmail.test', username: 'user', site: 'com.acme.app', hash: sha1(PASSWORDS.app) },
      {
        email: 'hans@xn--mnchen-3ya.example',
        username: 'hans',
        site: 'xn--mnchen-3ya.example',
        hash: sha1(PASSWORDS.hans),
      },
    ]);
  });

  it('creates nothing on a second import', async () => {
    const { json } = await leaksImport(file(), 'ulp', 'ulp-2026');
    expect(json).toMatchObject({ read: 8, created: 0, duplicates: 6, rejected: 2 });
  });
});

describe('stealer logs', () => {
  /** One folder per infected machine, credentials at any depth, other files beside them. */
  const FILES: Record<string, string> = {
    'US[4F2A9C]/Passwords.txt': [
      'Soft: Google Chrome (Default)',
      'URL: https://login.acme.example/',
      'Username: alice@acme.example',
      `Password: ${PASSWORDS.stealerAlice}`,
      '===============',
      '',
      'Soft: Microsoft Edge',
      'URL: https://portal.customer.example/signin',
      'Username: bob',
      `Password: ${PASSWORDS.stealerBob}`,
      '===============',
      '',
    ].join('\n'),
    'DE[77B1]/Browsers/Firefox/All Passwords.txt': [
      'Browser: Firefox',
      'Host: https://shop.acme.example',
      'Login: carol@acme.example',
      `PASS: ${PASSWORDS.carol}`,
      '',
      'Application: Outlook',
      'Host: mail.acme.example',
      'USER: dave',
      'PASS: ',
      '',
    ].join('\r\n'),
    'FR[0001]/passwords.txt': [
      'URL: https://a.example/',
      'Password: nouser-secret',
      '----------',
      'Username: erin@acme.example',
      'Password: orphan-secret',
    ].join('\n'),
    'FR[0001]/Cookies/Chrome.txt': 'URL: https://ignored.example/\nUsername: nobody\nPassword: not-a-password-file\n',
    'FR[0001]/System.txt': 'Windows 11 Pro\n',
  };
  const EXPECTED_ERRORS = [
    { file: 'DE[77B1]/Browsers/Firefox/All Passwords.txt', line: 7, reason: 'no password' },
    { file: 'FR[0001]/passwords.txt', line: 1, reason: 'no login' },
    { file: 'FR[0001]/passwords.txt', line: 4, reason: 'a credential block without URL: or Host:' },
  ];

  function folder(): string {
    const root = path.join(dir, 'stealer', 'logs');
    for (const [name, content] of Object.entries(FILES)) write(path.join('stealer', 'logs', name), content);
    return root;
  }

  async function zip(): Promise<string> {
    const at = path.join(dir, 'stealer.zip');
    const archive = new yazl.ZipFile();
    for (const [name, content] of Object.entries(FILES)) archive.addBuffer(Buffer.from(content), name);
    archive.end();
    await new Promise<void>((resolve, reject) =>
      archive.outputStream.pipe(createWriteStream(at)).on('close', resolve).on('error', reject),
    );
    return at;
  }

  it('reads every password file of a zip, whatever the key names, and names the file of each error', async () => {
    const { json } = await leaksImport(await zip(), 'stealer', 'stealer-batch-7');
    expect(json).toEqual({ read: 6, created: 3, duplicates: 0, rejected: 3, errors: EXPECTED_ERRORS, alerts: 0 });
    const rows = await credentials('stealer-batch-7');
    expect(
      rows.map(({ email, username, site, sha1: hash, password_masked }) => ({
        email,
        username,
        site,
        hash,
        password_masked,
      })),
    ).toEqual([
      {
        email: 'alice@acme.example',
        username: 'alice',
        site: 'login.acme.example',
        hash: sha1(PASSWORDS.stealerAlice),
        password_masked: mask(PASSWORDS.stealerAlice),
      },
      {
        email: null,
        username: 'bob',
        site: 'portal.customer.example',
        hash: sha1(PASSWORDS.stealerBob),
        password_masked: mask(PASSWORDS.stealerBob),
      },
      {
        email: 'carol@acme.example',
        username: 'carol',
        site: 'shop.acme.example',
        hash: sha1(PASSWORDS.carol),
        password_masked: mask(PASSWORDS.carol),
      },
    ]);
    expect(rows.every((row) => row.source_type === 'stealer_log')).toBe(true);
  });

  it('reads the same logs as a folder, nested at any depth, to the same rows: all duplicates', async () => {
    const { json } = await leaksImport(folder(), 'stealer', 'stealer-batch-7');
    expect(json).toEqual({ read: 6, created: 0, duplicates: 3, rejected: 3, errors: EXPECTED_ERRORS, alerts: 0 });
  });

  it('refuses a file that is neither a folder nor a zip, and a path that does not exist', async () => {
    const notZip = write('not-a-zip.zip', 'plain text');
    const wrong = await leaksImport(notZip, 'stealer', 'x');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .*zip/i);
    const missing = await leaksImport(path.join(dir, 'nowhere'), 'stealer', 'x');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: cannot read .*nowhere: no such file/);
  });
});

describe('csv', () => {
  const file = () =>
    write(
      'dump.csv',
      [
        'Email,Username,Password,URL,Leaked_At',
        `frank@acme.example,,"${PASSWORDS.frank}",https://acme.example/login,2025-03-01T00:00:00Z`,
        `,grace,"${PASSWORDS.grace.replace('"', '""')}",,`,
        '',
        'not-an-email,,pw-notanemail,,',
        'heidi@acme.example,,pw-heidi,,yesterday',
        'ivan@acme.example,,"pw-ivan"x,,',
        ',,,,',
        `frank@acme.example,,"${PASSWORDS.frank}",https://acme.example/login,2025-03-01T00:00:00Z`,
        '"judy@acme.example,,pw-judy-unclosed,,',
      ].join('\r\n'),
    );

  it('reads the named columns, in any letter case, and rejects what cannot be read', async () => {
    const { json } = await leaksImport(file(), 'csv', 'csv-dump');
    expect(json).toEqual({
      read: 8,
      created: 3,
      duplicates: 1,
      rejected: 4,
      errors: [
        { line: 5, reason: 'the email is not a valid email address' },
        {
          line: 6,
          reason: 'leaked_at must be a real ISO 8601 date, e.g. 2026-01-31T12:00:00Z (or 2026-01-31 for midnight UTC)',
        },
        { line: 8, reason: 'no login' },
        // A quote never closed: that line alone is refused.
        { line: 10, reason: 'not valid CSV (a quoted field does not close on its line)' },
      ],
      alerts: 0,
    });
    const rows = await credentials('csv-dump');
    expect(
      rows.map(({ email, username, site, sha1: hash, leaked_at }) => ({ email, username, site, hash, leaked_at })),
    ).toEqual([
      {
        email: 'frank@acme.example',
        username: 'frank',
        site: 'acme.example',
        hash: sha1(PASSWORDS.frank),
        leaked_at: '2025-03-01T00:00:00Z',
      },
      { email: null, username: 'grace', site: null, hash: sha1(PASSWORDS.grace), leaked_at: null },
      // A quote inside a field is part of the password.
      { email: 'ivan@acme.example', username: 'ivan', site: null, hash: sha1('"pw-ivan"x'), leaked_at: null },
    ]);
    const again = await leaksImport(file(), 'csv', 'csv-dump');
    expect(again.json).toMatchObject({ read: 8, created: 0, duplicates: 4, rejected: 4 });
  });

  it('refuses a header without the columns it needs, and stores nothing', async () => {
    const { code, stderr } = await leaksImport(
      write('bad-header.csv', 'mail,secret\na@acme.example,pw\n'),
      'csv',
      'csv-bad',
    );
    expect(code).toBe(1);
    expect(stderr).toBe(
      'error: the CSV header must name email or username, and password (url and leaked_at are optional)\n',
    );
    expect(await credentials('csv-bad')).toEqual([]);
  });
});

describe('cards', () => {
  const PAN = '4111111111111111';
  const file = () =>
    write(
      'cards.csv',
      [
        'pan,expiry,brand,leaked_at',
        '4111 1111 1111 1111,12/27,,',
        '5500-0000-0000-0004,1/2028,MasterCard,2025-06-01T00:00:00Z',
        '378282246310005,2027-05,,',
        '',
        '1234,12/27,,',
        `${PAN},13/27,,`,
        `${PAN},12/27,,`,
      ].join('\r\n'),
    );

  it('cuts a full number to its BIN and last four while reading, and never echoes it', async () => {
    const { json, stdout, stderr } = await leaksImport(
      file(),
      'cards',
      'card-shop-12',
      '--leaked-at',
      '2025-01-01T00:00:00Z',
    );
    expect(json).toEqual({
      read: 6,
      created: 3,
      duplicates: 1,
      rejected: 2,
      errors: [
        { line: 6, reason: 'pan is not a card number (12 to 19 digits)' },
        { line: 7, reason: 'expiry must be a month and year, e.g. 08/27' },
      ],
      alerts: 0,
    });
    expect(stdout + stderr).not.toContain(PAN);
    const rows = await t.database.rows(sql`
      select bin, last4, expiry, brand, to_char(leaked_at at time zone 'UTC', 'YYYY-MM-DD') as leaked_at
      from card_leaks where source_name = 'card-shop-12' order by id`);
    expect(rows).toEqual([
      { bin: '41111111', last4: '1111', expiry: '12/27', brand: 'visa', leaked_at: '2025-01-01' },
      { bin: '55000000', last4: '0004', expiry: '01/28', brand: 'mastercard', leaked_at: '2025-06-01' },
      { bin: '378282', last4: '0005', expiry: '05/27', brand: 'amex', leaked_at: '2025-01-01' },
    ]);
    const again = await leaksImport(file(), 'cards', 'card-shop-12');
    expect(again.json).toMatchObject({ read: 6, created: 0, duplicates: 4, rejected: 2 });
  });

  it('takes BIN and last four columns instead, and the source type is not asked for', async () => {
    const { json } = await leaksImport(
      write('bins.csv', 'bin,last4,expiry\n411111,4242,08/29\n41111,4242,08/29\n'),
      'cards',
      'card-shop-13',
    );
    expect(json).toEqual({
      read: 2,
      created: 1,
      duplicates: 0,
      rejected: 1,
      errors: [{ line: 3, reason: 'bin must be 6 to 8 digits' }],
      alerts: 0,
    });
  });
});

describe('the command line', () => {
  it('asks for a source type for credential formats, and checks every option', async () => {
    const file = write('one.txt', 'a@acme.example:pw-one\n');
    const run = (...argv: string[]) => runCommand(t.database, ['leaks', 'import', ...argv]);
    expect((await run('--file', file, '--format', 'combolist', '--source', 's')).stderr).toBe(
      'error: --source-type is required for the combolist format\n',
    );
    expect((await run('--file', file, '--format', 'pastebin', '--source', 's')).stderr).toBe(
      'error: --format must be one of combolist, ulp, stealer, csv, cards; got pastebin\n',
    );
    expect(
      (
        await run(
          '--file',
          file,
          '--format',
          'combolist',
          '--source',
          's',
          '--source-type',
          'combolist',
          '--leaked-at',
          'last week',
        )
      ).stderr,
    ).toBe(
      'error: --leaked-at must be a real ISO 8601 date, e.g. 2026-01-31T12:00:00Z (or 2026-01-31 for midnight UTC)\n',
    );
    expect((await run('--file', file, '--format', 'combolist', '--source-type', 'combolist')).stderr).toBe(
      'error: --source is required\n',
    );
  });

  it('leaves the table analysed: the planner knows the rows right after the import', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `user${i}@analysed.example:password-${i}`).join('\n');
    const { json } = await leaksImport(write('analyse.txt', lines), 'combolist', 'analysed');
    expect(json.created).toBe(2000);
    const [stats] = await t.database.rows<{ reltuples: number }>(
      sql`select reltuples::int as reltuples from pg_class where relname = 'credential_leaks'`,
    );
    const [count] = await t.database.rows<{ n: number }>(sql`select count(*)::int as n from credential_leaks`);
    expect(stats!.reltuples).toBe(count!.n);
  });
});

describe('nothing of a password or a card number in clear, anywhere', () => {
  /** Every row of every table as text: `pg_dump` of the test database, or the same by hand for the embedded one. */
  async function dump(): Promise<string> {
    if (t.url) {
      const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', '--data-only', t.url], {
        maxBuffer: 256 * 1024 * 1024,
      });
      return stdout;
    }
    const tables = await t.database.rows<{ name: string }>(
      sql`select tablename as name from pg_tables where schemaname = 'public'`,
    );
    let text = '';
    for (const { name } of tables) {
      const rows = await t.database.rows<{ row: string }>(sql`select t::text as row from ${sql.identifier(name)} t`);
      text += rows.map((r) => r.row).join('\n');
    }
    return text;
  }

  it('finds none of the imported passwords, whole or in part, in a dump of the whole database or in any output', async () => {
    const text = await dump();
    expect(text).toContain('acme.example'); // the dump does hold the leaks
    const everything = `${text}\n${outputs.join('\n')}\n${t.logs.join('\n')}`;
    for (const password of [
      ...Object.values(PASSWORDS).filter((p) => p.length > 4),
      'nouser-secret',
      'orphan-secret',
      'pw-heidi',
      'pw-ivan',
      'pw-judy-unclosed',
    ]) {
      expect(everything, password).not.toContain(password);
      // Nor the part between the mask's first and last characters.
      expect(everything, password).not.toContain([...password].slice(1, -1).join(''));
    }
    for (const pan of [
      '4111111111111111',
      '4111 1111 1111 1111',
      '5500000000000004',
      '5500-0000-0000-0004',
      '378282246310005',
    ]) {
      expect(everything, pan).not.toContain(pan);
    }
  });
});

describe('a combolist line with two separators', () => {
  it('says where it was split when the login that gives is refused, without showing the login', () => {
    const colon = combolistRecord('eve@acme.example;Secret-pw:tail');
    expect(colon).toEqual(
      new Rejected(
        'the login is not a valid email address (the line was split at its first ":", which is tried before ";" and "|")',
      ),
    );
    const semicolon = combolistRecord('eve@@acme.example;Secret|pw');
    expect(semicolon).toEqual(
      new Rejected(
        'the login is not a valid email address (the line was split at its first ";", which is tried before "|")',
      ),
    );
    expect(JSON.stringify([colon, semicolon])).not.toMatch(/Secret/);
    expect(combolistRecord('eve@@acme.example|pw')).toEqual(
      new Rejected('the login is not a valid email address (the line was split at its first "|")'),
    );
  });
});
