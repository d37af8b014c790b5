/**
 * Bounds on time as ratios, never as absolute thresholds (the machines are shared and noisy): a
 * request measured while another caller does its worst, against the same request measured alone
 * in the same test.
 */

/** How long `run` takes, in milliseconds. */
export async function elapsed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** The median of `rounds` timings of `run`, run one after another. */
export async function medianTime(run: () => Promise<unknown>, rounds = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) times.push(await elapsed(run));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** The time of a synchronous call, the best of a few (the least disturbed by the machine). */
export function bestTime(run: () => unknown, rounds = 3): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    run();
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/**
 * `measured` against `control`, with a floor under the control so that a control of a few
 * hundredths of a millisecond does not turn scheduler noise into a large ratio.
 */
export function ratio(measured: number, control: number, floorMs = 1): number {
  return measured / Math.max(control, floorMs);
}

/**
 * Waits for an event by polling: `what` until `ok` holds of its value (which it returns), or fails
 * with the last value after `ms`. The one way tests wait for something that happens elsewhere.
 */
export async function until<T>(
  what: () => T | Promise<T>,
  ok: (value: T) => boolean,
  ms = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await what();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting; last value ${JSON.stringify(value)?.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** `until` for a condition: how many milliseconds it took to hold (to compare with a promise of the API). */
export async function within(check: () => boolean | Promise<boolean>, ms = 15_000, everyMs = 20): Promise<number> {
  const started = Date.now();
  await until(check, Boolean, ms, everyMs);
  return Date.now() - started;
}

/**
 * Lets wall-clock time pass, for rules that are about the clock itself (a later `now()` for the next
 * statement, a minute's rate-limit window). Never a way to wait for something another part does:
 * that is `until`.
 */
export function clockPasses(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
