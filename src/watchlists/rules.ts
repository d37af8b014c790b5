/**
 * What a watchlist may hold (docs/api.md §5): domain, email and BIN entries inside the workspace's
 * scope, and keywords. Entries are stored normalised, so the same asset is never listed twice.
 */
import type { WorkspaceScope } from '../auth/principal.js';
import { forbidden, invalidParameter, missingParameter } from '../core/errors.js';
import { normalizeBin, normalizeDomain, normalizeEmail, normalizeText } from '../core/normalize.js';
import { coversBin, coversDomain, coversEmail } from '../workspaces/scopeRules.js';
import type { EntryType } from './repository.js';

export const MAX_ENTRIES_PER_WATCHLIST = 1000;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;
const MAX_KEYWORD = 200;

export function checkName(name: string | null | undefined): string {
  if (!name?.trim()) throw missingParameter('name');
  const clean = normalizeText(name, MAX_NAME);
  if (clean === null) throw invalidParameter('name', `must be 1 to ${MAX_NAME} characters of text.`);
  return clean;
}

/** Descriptions may span lines: tabs and line breaks are allowed, other control characters not. */
export function checkDescription(description: string | null | undefined): string | null {
  if (description === null || description === undefined || description.trim() === '') return null;
  const clean = normalizeText(description.replace(/[\t\r\n]/g, ' '), MAX_DESCRIPTION);
  if (clean === null) throw invalidParameter('description', `must be at most ${MAX_DESCRIPTION} characters of text.`);
  return description.trim();
}

const RULES: Record<
  EntryType,
  { normalize: (v: string) => string | null; covered: (s: WorkspaceScope, v: string) => boolean }
> = {
  domain: { normalize: normalizeDomain, covered: coversDomain },
  email: { normalize: normalizeEmail, covered: coversEmail },
  bin: { normalize: normalizeBin, covered: coversBin },
  keyword: {
    normalize: (v) => normalizeText(v, MAX_KEYWORD)?.toLowerCase() ?? null,
    covered: () => true,
  },
};

/** The entries in canonical form, each checked against the scope; the first fault refuses them all. */
export function checkEntries(
  scope: WorkspaceScope,
  entries: readonly { type: EntryType; value: string }[],
): { type: EntryType; value: string }[] {
  if (entries.length > MAX_ENTRIES_PER_WATCHLIST) {
    throw invalidParameter('entries', `at most ${MAX_ENTRIES_PER_WATCHLIST} entries at once.`);
  }
  const seen = new Map<string, { type: EntryType; value: string }>();
  for (const entry of entries) {
    const rule = RULES[entry.type];
    const value = rule.normalize(entry.value);
    if (value === null)
      throw invalidParameter('value', `${JSON.stringify(entry.value.slice(0, 100))} is not a valid ${entry.type}.`);
    if (!rule.covered(scope, value))
      throw forbidden(`the ${entry.type} ${value} is outside the workspace scope.`, {
        reason: 'outside_scope',
        type: entry.type,
        value,
      });
    seen.set(`${entry.type} ${value}`, { type: entry.type, value });
  }
  return [...seen.values()];
}
