/**
 * Work a server process runs every so often beside the requests (the domains' re-check, the
 * password counts' fold): one run at a time, the next one `everyMs` after the last ended, the
 * first `firstMs` after start (not during start-up's own work). A run that fails (the database
 * away) is logged and tried again at the next tick. Timers never keep the process alive.
 */
import type { Logger } from './logger.js';

export class PeriodicJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    /** What the log calls it when a run fails. */
    private readonly name: string,
    private readonly work: () => Promise<void>,
    private readonly logger: Logger,
    private readonly timing: { firstMs: number; everyMs: number },
  ) {}

  start(): void {
    const tick = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.run().finally(() => {
          this.running = undefined;
          if (this.timer) tick(this.timing.everyMs);
        });
      }, delay);
      this.timer.unref();
    };
    tick(this.timing.firstMs);
  }

  private async run(): Promise<void> {
    try {
      await this.work();
    } catch (error) {
      this.logger.warn({ err: error }, `${this.name} failed; tried again at the next tick`);
    }
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
