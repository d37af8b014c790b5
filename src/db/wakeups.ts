/**
 * How the workers that take their work from a table (webhook deliveries, feed pulls) learn there is
 * some: woken by the channel's notifications (and each time it is subscribed again, since anything
 * sent meanwhile was missed), and every `everyMs` in any case (work falls due without a notice).
 */
import type { Database } from './client.js';

/** Subscribes, wakes at once, then on every notice and every `everyMs`; the function returned stops the timer. */
export async function wakeOnNoticeAndEvery(
  database: Database,
  channel: string,
  wake: () => void,
  everyMs: number,
): Promise<() => void> {
  await database.subscribe(channel, { onMessage: wake, onSubscribed: wake, onLost: () => {} });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    if (stopped) return;
    wake();
    timer = setTimeout(poll, everyMs);
    timer.unref();
  };
  poll();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
