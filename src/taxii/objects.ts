/**
 * Adding objects to the workspace's own collection (API.md §11): the envelope's indicators and
 * cyber-observables are read as `import --format stix` reads them (src/iocs/import.ts) and written
 * in one statement, so that an envelope is stored whole or not at all; what became of each object
 * is the status resource the answer returns.
 */
import type { Db } from '../db/client.js';
import { addStixObjects, Importer } from '../iocs/import.js';
import { insertStatus, type StatusDetail, type StatusRow } from './repository.js';

/** Objects per envelope: a 10 MiB envelope of the smallest observables holds about this many. */
export const MAX_ENVELOPE_OBJECTS = 100_000;

export async function addObjects(db: Db, workspaceId: string, objects: readonly Record<string, unknown>[]): Promise<StatusRow> {
  const requestTimestamp = new Date().toISOString();
  // Ownership markers are not read: whatever is posted here is the workspace's own.
  const importer = new Importer(db, workspaceId, Number.POSITIVE_INFINITY);
  const successes: StatusDetail[] = [];
  const failures: StatusDetail[] = [];
  await addStixObjects(importer, objects, new Map(), (index, outcome) => {
    const object = objects[index]!;
    // A STIX id is about 50 characters; a longer string is no id, and is not kept whole.
    const detail = { id: typeof object.id === 'string' ? object.id.slice(0, 300) : `objects[${index}]`, version: versionOf(object, requestTimestamp) };
    if (outcome.kept) successes.push(detail);
    else failures.push({ ...detail, message: outcome.reason });
  });
  await importer.finish();
  return insertStatus(db, { workspaceId, requestTimestamp, totalCount: objects.length, successes, failures });
}

/** An object's version as TAXII names it: `modified`, else `created`, else when it was added. */
function versionOf(object: Record<string, unknown>, added: string): string {
  for (const value of [object.modified, object.created]) if (typeof value === 'string') return value.slice(0, 64);
  return added;
}
