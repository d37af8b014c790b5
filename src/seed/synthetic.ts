/**
 * Synthetic, realistic-looking threat data for demos and benchmarks (`npm run cli -- seed`):
 * every IOC type, leaks spread over a workspace's scope and outside it. Rows are produced as
 * tab-separated text in chunks and loaded with COPY (Database.bulkLoad), never row by row.
 */
import { uuidv7 } from 'uuidv7';
import type { WorkspaceScope } from '../auth/principal.js';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.js';
import { copyRow, type CopyValue } from '../db/copyText.js';
import { maskPassword, passwordNtlm, passwordSha1 } from '../dataleaks/records.js';
import { domainKey, type IocType } from '../core/normalize.js';

const CHUNK_ROWS = 20_000;
/** From this many rows on, building a table's indexes afresh beats updating them row by row. */
const LARGE_LOAD = 100_000;
const DAY_MS = 86_400_000;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const int = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));
const HEX = '0123456789abcdef';
/** Random hex digits (not for secrets: Math.random is fast, and this is demo data). */
function hex(length: number): string {
  let out = '';
  while (out.length < length) {
    let bits = (Math.random() * 0x1_0000_0000) >>> 0;
    for (let i = 0; i < 8 && out.length < length; i++, bits >>>= 4) out += HEX[bits & 15];
  }
  return out;
}

/** Chooses by weight: [[value, weight], …]. */
function weighted<T>(table: readonly (readonly [T, number])[]): () => T {
  const total = table.reduce((sum, [, w]) => sum + w, 0);
  return () => {
    let r = Math.random() * total;
    for (const [value, w] of table) if ((r -= w) < 0) return value;
    return table[table.length - 1]![0];
  };
}

function* chunks(total: number, row: (i: number) => readonly CopyValue[]) {
  for (let start = 0; start < total; start += CHUNK_ROWS) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(total, start + CHUNK_ROWS); i++) lines.push(copyRow(row(i)));
    yield lines.join('');
  }
}

const iso = (ms: number) => new Date(ms).toISOString();

const COMMON_PASSWORDS = [
  '123456',
  'password',
  '123456789',
  'qwerty',
  '12345678',
  'password1',
  'iloveyou',
  'admin123',
  'welcome1',
  'Summer2024!',
];
const WORDS = [
  'secure',
  'login',
  'update',
  'cdn',
  'cloud',
  'verify',
  'account',
  'support',
  'mail',
  'portal',
  'billing',
  'auth',
  'sync',
  'office',
  'drive',
  'wallet',
  'pay',
  'invoice',
  'track',
  'docs',
];
const TLDS = ['com', 'net', 'org', 'xyz', 'top', 'info', 'ru', 'cn', 'io', 'biz', 'online', 'site'];
const FEEDS = [
  'abuse-feed',
  'honeypot-eu',
  'sinkhole-us',
  'phish-watch',
  'malware-bazaar-mirror',
  'community-osint',
  'partner-isac',
];
const FAMILIES = [
  'Cobalt Strike',
  'Emotet',
  'QakBot',
  'AgentTesla',
  'RedLine',
  'Lumma',
  'AsyncRAT',
  'Mirai',
  'IcedID',
  'Sliver',
];
const TAGS = [
  'c2',
  'phishing',
  'botnet',
  'ransomware',
  'scanner',
  'tor-exit',
  'spam',
  'credential-theft',
  'loader',
  'beacon',
];
const OUTSIDE_DOMAINS = [
  'gmail.com',
  'yahoo.com',
  'outlook.com',
  'mail.ru',
  'proton.me',
  'corp-mail.net',
  'example.edu',
  'acme-industries.com',
];
const FIRST_NAMES = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'oscar',
  'peggy',
  'trent',
  'victor',
  'walter',
];

const iocType = weighted<IocType>([
  ['ipv4', 30],
  ['domain', 20],
  ['url', 15],
  ['sha256', 10],
  ['md5', 8],
  ['sha1', 7],
  ['ipv6', 5],
  ['email', 5],
]);
const threatFor: Record<IocType, readonly string[]> = {
  ipv4: ['c2', 'scanner', 'botnet', 'bruteforce'],
  ipv6: ['c2', 'scanner'],
  domain: ['phishing', 'c2', 'malware-distribution'],
  url: ['phishing', 'malware-distribution'],
  email: ['phishing', 'spam'],
  md5: ['malware'],
  sha1: ['malware'],
  sha256: ['malware', 'ransomware'],
};
const severity = weighted([
  ['low', 30],
  ['medium', 40],
  ['high', 22],
  ['critical', 8],
] as const);
const tlp = weighted([
  ['clear', 55],
  ['green', 30],
  ['amber', 12],
  ['red', 3],
] as const);
const sourceType = weighted([
  ['breach', 40],
  ['stealer_log', 25],
  ['combolist', 20],
  ['paste', 10],
  ['forum', 5],
] as const);

/** A public-looking IPv4 address (no private, loopback, multicast or reserved first octets). */
function ipv4(): string {
  let first: number;
  do first = int(1, 223);
  while (first === 10 || first === 127 || first === 172 || first === 192 || first === 100);
  return `${first}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
}

/** Eight non-zero groups: already the canonical (RFC 5952) form the API stores. */
const ipv6 = () => `2a0${int(1, 9)}:${Array.from({ length: 7 }, () => int(1, 0xffff).toString(16)).join(':')}`;

function maliciousDomain(salt: string, i: number): string {
  return `${pick(WORDS)}-${pick(WORDS)}-${salt}${i.toString(36)}.${pick(TLDS)}`;
}

function iocValue(type: IocType, salt: string, i: number): string {
  switch (type) {
    case 'ipv4':
      return ipv4();
    case 'ipv6':
      return ipv6();
    case 'domain':
      return maliciousDomain(salt, i);
    case 'url':
      return `${pick(['http', 'https'])}://${maliciousDomain(salt, i)}/${pick(WORDS)}/${hex(8)}`;
    case 'email':
      return `${pick(WORDS)}.${pick(FIRST_NAMES)}@${maliciousDomain(salt, i)}`;
    case 'md5':
      return hex(32);
    case 'sha1':
      return hex(40);
    case 'sha256':
      return hex(64);
  }
}

export interface SeedOptions {
  iocs: number;
  credentialLeaks: number;
  cardLeaks: number;
  /** The workspace whose scope the leaks are spread over, and which owns a share of the IOCs. */
  workspace?: { id: string; scope: WorkspaceScope } | undefined;
}

export interface SeedCounts {
  iocs: number;
  credential_leaks: number;
  card_leaks: number;
}

const IOC_COLUMNS = [
  'id',
  'workspace_id',
  'type',
  'value',
  'threat_type',
  'malware_family',
  'confidence',
  'severity',
  'tlp',
  'tags',
  'source',
  'first_seen',
  'last_seen',
  'created_at',
  'updated_at',
];
const CREDENTIAL_COLUMNS = [
  'id',
  'email',
  'domain',
  'domain_key',
  'username',
  'site',
  'site_key',
  'password_masked',
  'password_sha1',
  'source_name',
  'source_type',
  'leaked_at',
  'discovered_at',
  'severity',
];
const CARD_COLUMNS = ['id', 'bin', 'last4', 'expiry', 'brand', 'source_name', 'leaked_at', 'discovered_at'];

export async function seed(database: Database, options: SeedOptions): Promise<SeedCounts> {
  const now = Date.now();
  // Each run's values carry their own salt, so repeated runs add rows instead of colliding.
  const salt = hex(4);
  const ownShare = options.workspace ? 0.05 : 0;

  // Random values may repeat a stored IOC or leak: those rows are skipped.
  const iocs = await database.bulkLoad(
    'iocs',
    IOC_COLUMNS,
    { skipDuplicates: true, rebuildIndexes: options.iocs >= LARGE_LOAD },
    chunks(options.iocs, (i) => {
      const type = iocType();
      const firstSeen = now - int(0, 365) * DAY_MS - int(0, DAY_MS);
      const lastSeen = Math.min(now, firstSeen + int(0, 90) * DAY_MS);
      const updated = Math.min(now, lastSeen + int(0, DAY_MS));
      return [
        uuidv7(),
        Math.random() < ownShare ? options.workspace!.id : null,
        type,
        iocValue(type, salt, i),
        pick(threatFor[type]),
        type === 'md5' || type === 'sha1' || type === 'sha256' || Math.random() < 0.3 ? pick(FAMILIES) : null,
        int(10, 100),
        severity(),
        tlp(),
        [...new Set(Array.from({ length: int(0, 3) }, () => pick(TAGS)))],
        pick(FEEDS),
        iso(firstSeen),
        iso(lastSeen),
        iso(firstSeen),
        iso(updated),
      ];
    }),
  );

  const scope = options.workspace?.scope;
  const ownedDomains = scope ? [...scope.domains, ...scope.emails.map((e) => e.slice(e.indexOf('@') + 1))] : [];
  const leakDomain = () => {
    if (ownedDomains.length > 0 && Math.random() < 0.4) {
      const domain = pick(ownedDomains);
      return Math.random() < 0.3 ? `${pick(['mail', 'corp', 'vpn', 'dev', 'eu'])}.${domain}` : domain;
    }
    return Math.random() < 0.5 ? pick(OUTSIDE_DOMAINS) : `${pick(WORDS)}${int(1, 5000)}.${pick(TLDS)}`;
  };
  // The NTLM hashes are not stored with the leaks, so they cannot be recounted afterwards as the
  // SHA-1s are: the common passwords' are counted here as the rows are made (a few dozen keys,
  // whatever the number of rows; the rare duplicate the load skips counts too). The others, made
  // up once each, are not counted: demo data, where the NTLM mode shows the passwords leaks share.
  const ntlmCounts = new Map<string, number>();
  const credentialLeaks = await database.bulkLoad(
    'credential_leaks',
    CREDENTIAL_COLUMNS,
    { skipDuplicates: true, rebuildIndexes: options.credentialLeaks >= LARGE_LOAD },
    chunks(options.credentialLeaks, (i) => {
      const domain = leakDomain();
      const user = `${pick(FIRST_NAMES)}.${pick(FIRST_NAMES)}${i % 1000}`;
      // A third come from stealer logs, with the website they were typed into; a fifth of the
      // passwords are the common ones that many leaks share (the range search counts them).
      const site = Math.random() < 0.35 ? `${pick(['login', 'sso', 'portal', 'shop', 'my'])}.${leakDomain()}` : null;
      const common = Math.random() < 0.2;
      const password = common ? pick(COMMON_PASSWORDS) : `${pick(WORDS)}${hex(int(4, 10))}`;
      const leaked = now - int(1, 1500) * DAY_MS;
      if (common) {
        const ntlm = passwordNtlm(password).toString('hex');
        ntlmCounts.set(ntlm, (ntlmCounts.get(ntlm) ?? 0) + 1);
      }
      return [
        uuidv7(),
        `${user}@${domain}`,
        domain,
        domainKey(domain),
        user,
        site,
        site && domainKey(site),
        maskPassword(password),
        passwordSha1(password),
        `${pick(['breach', 'stealer', 'combolist', 'paste'])}-${2020 + int(0, 6)}-${String(int(1, 12)).padStart(2, '0')}`,
        sourceType(),
        iso(leaked),
        iso(Math.min(now, leaked + int(0, 200) * DAY_MS)),
        severity(),
      ];
    }),
  );

  // The range search's counts, recounted over every stored leak (seeding is a bulk load).
  if (credentialLeaks > 0) {
    await database.rows(sql`insert into password_counts (sha1, count)
      select password_sha1, count(*) from credential_leaks where password_sha1 is not null group by password_sha1
      on conflict (sha1) do update set count = excluded.count`);
    const entries = [...ntlmCounts];
    for (let i = 0; i < entries.length; i += 20_000) {
      const chunk = entries.slice(i, i + 20_000);
      await database.rows(sql`insert into password_ntlm_counts (ntlm, count)
        select decode(h, 'hex'), n from unnest(${sql.param(chunk.map(([hash]) => hash))}::text[], ${sql.param(chunk.map(([, n]) => n))}::int[]) as t(h, n)
        on conflict (ntlm) do update set count = password_ntlm_counts.count + excluded.count`);
    }
  }

  const ownedBins = scope?.bins ?? [];
  const cardLeaks = await database.bulkLoad(
    'card_leaks',
    CARD_COLUMNS,
    { skipDuplicates: true, rebuildIndexes: options.cardLeaks >= LARGE_LOAD },
    chunks(options.cardLeaks, () => {
      const bin =
        ownedBins.length > 0 && Math.random() < 0.3
          ? pick(ownedBins).padEnd(8, String(int(0, 9)))
          : `${pick(['4', '5', '37', '6011'])}${String(int(0, 99_999_999))}`.slice(0, int(6, 8)).padEnd(6, '0');
      const leaked = now - int(1, 900) * DAY_MS;
      return [
        uuidv7(),
        bin,
        String(int(0, 9999)).padStart(4, '0'),
        `${String(int(1, 12)).padStart(2, '0')}/${String(int(26, 31))}`,
        bin.startsWith('4') ? 'visa' : bin.startsWith('5') ? 'mastercard' : bin.startsWith('37') ? 'amex' : 'discover',
        `${pick(['carding-forum', 'skimmer-dump', 'telegram-shop'])}-${int(1, 40)}`,
        iso(leaked),
        iso(Math.min(now, leaked + int(0, 60) * DAY_MS)),
      ];
    }),
  );

  return { iocs, credential_leaks: credentialLeaks, card_leaks: cardLeaks };
}
