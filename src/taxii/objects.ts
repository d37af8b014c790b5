/**
 * Adding objects to the workspace's own collection (docs/api.md §11): the envelope's indicators and
 * cyber-observables are read as `import --format stix` reads them (src/iocs/import.ts) and written
 * in one statement, so that an envelope is stored whole or not at all; what became of each object
 * is the status resource the answer returns.
 */
import type { Db } from '../db/handle.js';
import { addStixObjects, Importer } from '../iocs/import.js';
import { addSightings, isSighting } from './sightings.js';
import { insertStatus, type StatusDetail, type StatusRow } from './repository.js';

/** Objects per envelope: a 10 MiB envelope of the smallest observables holds about this many. */
export const MAX_ENVELOPE_OBJECTS = 100_000;

/**
 * Details a status lists of each kind (docs/api.md §12); the counts stay exact. A 10 MiB envelope of
 * 100,000 objects of a kind not kept once made a 30 MB status, stored and served again on every GET.
 */
export const MAX_LISTED_DETAILS = 1000;

/**
 * A status may always list this many bytes of details: an envelope of two small objects still gets
 * both listed (each detail holds the object's id and version, and a failure its reason, so it can
 * be longer than a tiny object), while no envelope can make a status larger than itself by more.
 */
export const STATUS_ALLOWANCE_BYTES = 64 * 1024;

/**
 * The details a status lists: the first ones of each kind, up to `MAX_LISTED_DETAILS`, within the
 * bytes (as JSON) the envelope's objects took or `STATUS_ALLOWANCE_BYTES`, whichever is more: a
 * status is never larger than the request that made it, beyond that small allowance.
 */
class StatusDetails {
  readonly successes: StatusDetail[] = [];
  readonly failures: StatusDetail[] = [];
  successCount = 0;
  failureCount = 0;
  /** `budget`: the bytes the envelope's objects took, as JSON. */
  constructor(private budget: number) {}

  add(detail: StatusDetail, kept: boolean): void {
    if (kept) this.successCount++;
    else this.failureCount++;
    const list = kept ? this.successes : this.failures;
    if (list.length >= MAX_LISTED_DETAILS) return;
    // The detail's JSON and its comma.
    const bytes = JSON.stringify(detail).length + 1;
    if (bytes > this.budget) return;
    this.budget -= bytes;
    list.push(detail);
  }
}

export async function addObjects(
  db: Db,
  workspaceId: string,
  objects: readonly Record<string, unknown>[],
): Promise<StatusRow> {
  const requestTimestamp = new Date().toISOString();
  // Ownership markers are not read: whatever is posted here is the workspace's own.
  const importer = new Importer(db, workspaceId, Number.POSITIVE_INFINITY);
  const envelopeBytes = objects.reduce((bytes: number, object) => bytes + JSON.stringify(object).length + 1, 0);
  const details = new StatusDetails(Math.max(envelopeBytes, STATUS_ALLOWANCE_BYTES));
  // Sightings are recorded as the workspace's (src/taxii/sightings.ts); the rest is imported.
  const sightings: number[] = [];
  const others: number[] = [];
  objects.forEach((object, index) => (isSighting(object) ? sightings : others).push(index));
  const outcome = (index: number, result: { kept: true } | { kept: false; reason: string }) => {
    const object = objects[index]!;
    // A STIX id is about 50 characters; a longer string is no id, and is not kept whole.
    const detail = {
      id: typeof object.id === 'string' ? object.id.slice(0, 300) : `objects[${index}]`,
      version: versionOf(object, requestTimestamp),
    };
    details.add(result.kept ? detail : { ...detail, message: result.reason }, result.kept);
  };
  await addStixObjects(
    importer,
    others.map((index) => objects[index]),
    new Map(),
    (i, result) => outcome(others[i]!, result),
  );
  await importer.finish();
  if (sightings.length > 0)
    await addSightings(
      db,
      workspaceId,
      sightings.map((index) => objects[index]!),
      (i, result) => outcome(sightings[i]!, result),
    );
  const { successes, failures, successCount, failureCount } = details;
  return insertStatus(db, {
    workspaceId,
    requestTimestamp,
    totalCount: objects.length,
    successCount,
    failureCount,
    successes,
    failures,
  });
}

/** An object's version as TAXII names it: `modified`, else `created`, else when it was added. */
function versionOf(object: Record<string, unknown>, added: string): string {
  for (const value of [object.modified, object.created]) if (typeof value === 'string') return value.slice(0, 64);
  return added;
}
