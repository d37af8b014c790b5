/**
 * Statements that write the same rows as other callers may meet them in a deadlock or a
 * serialization failure; PostgreSQL then cancels one of them, and running it again succeeds
 * (docs/api.md §12: concurrent writes never answer 500). Only for a statement that is whole on its
 * own (not part of a larger transaction): its failure undid all it did.
 */
const RETRIED_CODES = new Set(['40P01', '40001']);
const ATTEMPTS = 5;

function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export async function retryingConflicts<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (error) {
      if (attempt >= ATTEMPTS || !RETRIED_CODES.has(sqlState(error) ?? '')) throw error;
      // A short random pause, longer each time, so that the two sides do not meet again at once.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}
