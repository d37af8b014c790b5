/**
 * Structured JSON logs, one line per request (docs/api.md §3). Nothing here ever receives a header
 * value or a query string; the redaction below is a second line of defence, not the first.
 */
import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: ['authorization', 'headers.authorization', 'headers["x-api-key"]', 'key', 'secret', '*.key', '*.secret'],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes to stdout: a request never waits for its log line to reach the pipe
    // (pino flushes what is pending when the process exits).
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
