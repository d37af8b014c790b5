/**
 * Failed key verifications per client address (issue: hardening). Each one that reached the
 * database or argon2 counts; past the allowance, that address's keys are refused with
 * `rate_limited` before they cost a database read or an argon2 run, until its minute is over.
 * Keys already verified (served from memory) are never refused here: a SOC behind one NAT keeps
 * its working integrations while a script beside them guesses. Per process, in memory: a guesser
 * spread over several processes gets at most this many tries from each.
 */
const WINDOW_MS = 60_000;
const MAX_TRACKED = 50_000;

export class FailedAttempts {
  /** Address -> its failures in the window that started at `since`. */
  private readonly counts = new Map<string, { since: number; failures: number }>();

  constructor(
    private readonly maxPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until the address may try again, or 0 when it may try now. */
  blockedFor(address: string | undefined): number {
    if (address === undefined) return 0;
    const entry = this.counts.get(address);
    if (!entry) return 0;
    const left = entry.since + WINDOW_MS - this.now();
    if (left <= 0) {
      this.counts.delete(address);
      return 0;
    }
    return entry.failures >= this.maxPerMinute ? Math.ceil(left / 1000) : 0;
  }

  record(address: string | undefined): void {
    if (address === undefined) return;
    const now = this.now();
    const entry = this.counts.get(address);
    if (entry && now - entry.since < WINDOW_MS) entry.failures++;
    else {
      this.counts.delete(address);
      this.counts.set(address, { since: now, failures: 1 });
      // Oldest first: the map keeps insertion order, and each new window re-inserts.
      if (this.counts.size > MAX_TRACKED) this.counts.delete(this.counts.keys().next().value!);
    }
  }
}
