/**
 * IOC submissions (docs/api.md §11): 1 to 1000 IOCs from a caller, checked one by one as an import
 * checks its rows, upserted into the workspace's own IOCs in one statement (which also raises the
 * watchlist alerts they match, and wakes the event streams). A value may come defanged; its type,
 * when left out, is detected as a lookup detects it.
 */
import type { Db } from '../db/handle.js';
import { invalidParameter } from '../core/errors.js';
import { detectIoc, refang } from '../core/normalize.js';
import { checkIoc } from './import.js';
import { mergeUpserts, type IocUpsert, type RawIoc } from './record.js';
import { upsertIocs } from './repository.js';

export const MAX_SUBMITTED_IOCS = 1000;

export interface SubmitResult {
  created: number;
  updated: number;
  rejected: { index: number; reason: string }[];
}

export async function submitIocs(db: Db, workspaceId: string, items: readonly RawIoc[]): Promise<SubmitResult> {
  if (items.length === 0 || items.length > MAX_SUBMITTED_IOCS)
    throw invalidParameter('iocs', `must hold 1 to ${MAX_SUBMITTED_IOCS} IOCs.`);
  const rows = new Map<string, IocUpsert>();
  const rejected: SubmitResult['rejected'] = [];
  items.forEach((item, index) => {
    let raw = item;
    if (!raw.type?.trim()) {
      const found = detectIoc(raw.value ?? '');
      if (!found)
        return rejected.push({
          index,
          reason: 'the value is not an IOC of a known type (ipv4, ipv6, domain, url, email, md5, sha1, sha256)',
        });
      raw = { ...raw, type: found.type, value: found.value };
    } else raw = { ...raw, value: raw.value === undefined ? undefined : refang(raw.value) };
    const checked = checkIoc(raw);
    if (typeof checked === 'string') return rejected.push({ index, reason: checked });
    const key = `${checked.type} ${checked.value}`;
    const earlier = rows.get(key);
    rows.set(key, earlier ? mergeUpserts(earlier, checked) : checked);
  });
  const { created, updated } = await upsertIocs(db, workspaceId, [...rows.values()]);
  return { created, updated, rejected };
}
