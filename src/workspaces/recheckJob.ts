/**
 * The daily re-check of verified domains (docs/api.md §15), run by every server process: every ten
 * minutes each one takes the domains that are due, leased so that no two processes check one
 * (src/workspaces/domains.ts, `recheckDomains`). A run that fails (the database away) is logged
 * and tried again at the next tick.
 */
import type { Logger } from '../core/logger.js';
import type { Db } from '../db/handle.js';
import { recheckDomains, type TxtLookup } from './domains.js';

const TICK_MS = 10 * 60_000;
/** The first run after start: not during start-up's own work. */
const FIRST_RUN_MS = 60_000;

export class DomainRecheckJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly lookup: TxtLookup,
    private readonly logger: Logger,
    /** This process's key cache, told at once of a lapsed domain (the others by notification). */
    private readonly scopeChanged: (workspaceId: string) => void,
  ) {}

  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.run().finally(() => {
          this.running = undefined;
          if (this.timer) tick(TICK_MS);
        });
      }, delay);
      this.timer.unref();
    };
    tick(FIRST_RUN_MS);
  }

  private async run(): Promise<void> {
    try {
      const report = await recheckDomains(this.db, this.lookup, { scopeChanged: this.scopeChanged });
      if (report.checked > 0) this.logger.info(report, 'domains checked again');
    } catch (error) {
      this.logger.warn({ err: error }, 'domain re-check failed; tried again at the next tick');
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
