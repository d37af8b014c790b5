/**
 * The daily re-check of verified domains (docs/api.md §15), run by every server process: every ten
 * minutes each one takes the domains that are due, leased so that no two processes check one
 * (src/workspaces/domains.ts, `recheckDomains`).
 */
import type { Logger } from '../core/logger.js';
import { PeriodicJob } from '../core/periodic.js';
import type { Db } from '../db/handle.js';
import { recheckDomains, type TxtLookup } from './domains.js';

export function domainRecheckJob(
  db: Db,
  lookup: TxtLookup,
  logger: Logger,
  /** This process's key cache, told at once of a lapsed domain (the others by notification). */
  scopeChanged: (workspaceId: string) => void,
): PeriodicJob {
  return new PeriodicJob(
    'domain re-check',
    async () => {
      const report = await recheckDomains(db, lookup, { scopeChanged });
      if (report.checked > 0) logger.info(report, 'domains checked again');
    },
    logger,
    { firstMs: 60_000, everyMs: 10 * 60_000 },
  );
}
