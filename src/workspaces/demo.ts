/**
 * The demo workspace made on first start of an empty embedded database (docs/api.md §8), so that a
 * newcomer can call the server at once: enterprise plan, a little scope, a little data, one key.
 */
import { count, eq } from 'drizzle-orm';
import { PERMISSIONS } from '../core/permissions.js';
import type { Db } from '../db/handle.js';
import { cardLeaks, credentialLeaks, iocs, watchlistEntries, watchlists, workspaces } from '../db/schema.js';
import { SERVER_SETUP_ACTOR } from '../keys/audit.js';
import { createApiKey } from '../keys/service.js';
import { domainKey } from '../core/normalize.js';
import { addScopeEntry, createWorkspace } from './service.js';

export interface DemoWorkspace {
  workspaceId: string;
  /** The demo key in full: shown once on the console, never logged. */
  key: string;
}

/** Creates the demo workspace when the database has no workspace at all; otherwise does nothing. */
const DEMO_WORKSPACE_NAME = 'Demo workspace';

/** The demo workspace made on the first start, for the start banner (null once it was renamed or removed). */
export async function findDemoWorkspaceId(db: Db): Promise<string | null> {
  const [row] = await db
    .select({ id: workspaces.id })
    .from(workspaces)
    .where(eq(workspaces.name, DEMO_WORKSPACE_NAME))
    .limit(1);
  return row?.id ?? null;
}

/** Whether the database holds a workspace yet (a new production database does not). */
export async function hasAnyWorkspace(db: Db): Promise<boolean> {
  const [existing] = await db.select({ n: count() }).from(workspaces);
  return (existing?.n ?? 0) > 0;
}

export async function createDemoWorkspaceIfEmpty(db: Db): Promise<DemoWorkspace | null> {
  if (await hasAnyWorkspace(db)) return null;

  const workspace = await createWorkspace(db, {
    name: DEMO_WORKSPACE_NAME,
    plan: 'enterprise',
    billingStatus: 'active',
  });
  for (const [type, value] of [
    ['domain', 'example.com'],
    ['email', 'security@example.org'],
    ['bin', '411111'],
  ] as const) {
    await addScopeEntry(db, workspace.id, type, value);
  }

  await db.insert(iocs).values([
    {
      type: 'ipv4',
      value: '203.0.113.10',
      threatType: 'c2',
      malwareFamily: 'Cobalt Strike',
      confidence: 90,
      severity: 'high',
      tags: ['c2', 'beacon'],
      source: 'demo-feed',
    },
    {
      type: 'ipv4',
      value: '198.51.100.23',
      threatType: 'scanner',
      confidence: 60,
      severity: 'low',
      tags: ['scanning'],
      source: 'demo-feed',
    },
    {
      type: 'ipv6',
      value: '2001:db8::bad:1',
      threatType: 'c2',
      confidence: 75,
      severity: 'medium',
      tags: ['c2'],
      source: 'demo-feed',
    },
    {
      type: 'domain',
      value: 'login-example-secure.net',
      threatType: 'phishing',
      confidence: 85,
      severity: 'high',
      tags: ['phishing'],
      source: 'demo-feed',
    },
    {
      type: 'url',
      value: 'http://login-example-secure.net/verify',
      threatType: 'phishing',
      confidence: 85,
      severity: 'high',
      tags: ['phishing'],
      source: 'demo-feed',
    },
    {
      type: 'email',
      value: 'billing@login-example-secure.net',
      threatType: 'phishing',
      confidence: 70,
      severity: 'medium',
      tags: ['phishing'],
      source: 'demo-feed',
    },
    {
      type: 'md5',
      value: '44d88612fea8a8f36de82e1278abb02f',
      threatType: 'malware',
      malwareFamily: 'EICAR',
      confidence: 100,
      severity: 'low',
      tags: ['test-file'],
      source: 'demo-feed',
    },
    {
      type: 'sha1',
      value: '3395856ce81f2b7382dee72602f798b642f14140',
      threatType: 'malware',
      malwareFamily: 'EICAR',
      confidence: 100,
      severity: 'low',
      tags: ['test-file'],
      source: 'demo-feed',
    },
    {
      type: 'sha256',
      value: '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f',
      threatType: 'malware',
      malwareFamily: 'EICAR',
      confidence: 100,
      severity: 'low',
      tags: ['test-file'],
      source: 'demo-feed',
    },
    {
      workspaceId: workspace.id,
      type: 'domain',
      value: 'examp1e-support.com',
      threatType: 'typosquat',
      confidence: 80,
      severity: 'high',
      tags: ['brand'],
      source: 'demo-workspace',
    },
  ]);

  const leak = (email: string, sourceType: 'breach' | 'stealer_log' | 'combolist') => {
    const domain = email.slice(email.indexOf('@') + 1);
    return {
      email,
      domain,
      domainKey: domainKey(domain),
      username: email.slice(0, email.indexOf('@')),
      passwordMasked: 'p*******1',
      sourceName: 'demo-breach-2026',
      sourceType,
      leakedAt: '2026-03-01T00:00:00Z',
      severity: 'high' as const,
    };
  };
  await db
    .insert(credentialLeaks)
    .values([
      leak('alice@example.com', 'breach'),
      leak('bob@mail.example.com', 'stealer_log'),
      leak('security@example.org', 'combolist'),
      leak('carol@other.test', 'breach'),
    ]);
  await db.insert(cardLeaks).values([
    {
      bin: '41111122',
      last4: '1111',
      expiry: '12/27',
      brand: 'visa',
      sourceName: 'demo-carding-forum',
      leakedAt: '2026-02-14T00:00:00Z',
    },
    {
      bin: '411111',
      last4: '4242',
      expiry: '08/28',
      brand: 'visa',
      sourceName: 'demo-carding-forum',
      leakedAt: '2026-02-20T00:00:00Z',
    },
    {
      bin: '55555544',
      last4: '4444',
      expiry: '01/29',
      brand: 'mastercard',
      sourceName: 'demo-carding-forum',
      leakedAt: '2026-02-21T00:00:00Z',
    },
  ]);

  const [watchlist] = await db
    .insert(watchlists)
    .values({ workspaceId: workspace.id, name: 'Brand monitoring', description: 'Our domains and brand keywords' })
    .returning();
  await db.insert(watchlistEntries).values([
    { watchlistId: watchlist!.id, type: 'domain', value: 'example.com' },
    { watchlistId: watchlist!.id, type: 'keyword', value: 'example' },
  ]);

  const { secret } = await createApiKey(db, {
    workspaceId: workspace.id,
    name: 'Demo key',
    permissions: PERMISSIONS,
    grantor: null,
    actor: SERVER_SETUP_ACTOR,
  });
  return { workspaceId: workspace.id, key: secret };
}
