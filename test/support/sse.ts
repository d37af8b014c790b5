import { until } from './timing.js';

/** A Server-Sent Events client over fetch for the stream tests: events as they arrive, and a way to stop. */
export interface StreamEvent {
  id?: string;
  event?: string;
  data?: string;
}

export function openEventStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const events: StreamEvent[] = [];
  const response = fetch(url, { headers, signal: controller.signal });
  const done = (async () => {
    const answer = await response;
    if (!answer.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of answer.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: StreamEvent = {};
          for (const line of block.split('\n')) {
            const [, name, value] = /^([a-z]+): ?(.*)$/.exec(line) ?? [];
            if (name === 'id' || name === 'event' || name === 'data') event[name] = value;
          }
          if (event.event) events.push(event);
        }
      }
    } catch {
      /* aborted */
    }
  })();
  return {
    response,
    events,
    /** The events named `name` once there are `count` of them. */
    waitFor(count: number, name: string, ms = 8000) {
      return until(
        () => events.filter((e) => e.event === name),
        (named) => named.length >= count,
        ms,
      );
    },
    async close() {
      controller.abort();
      await done;
    },
  };
}
