/**
 * What a workspace's scope covers (docs/api.md §5). Inputs must already be normalised
 * (src/core/normalize.ts); these functions only compare.
 */
import type { WorkspaceScope } from '../auth/principal.js';

/** A scope domain covers itself and every subdomain. */
export function coversDomain(scope: WorkspaceScope, domain: string): boolean {
  return scope.domains.some((owned) => domain === owned || domain.endsWith(`.${owned}`));
}

/** An address is covered when it is in scope itself or sits at a covered domain. */
export function coversEmail(scope: WorkspaceScope, email: string): boolean {
  return scope.emails.includes(email) || coversDomain(scope, email.slice(email.lastIndexOf('@') + 1));
}

/** A scope BIN covers every BIN that starts with it. */
export function coversBin(scope: WorkspaceScope, bin: string): boolean {
  return scope.bins.some((owned) => bin.startsWith(owned));
}
