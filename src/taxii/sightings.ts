/**
 * STIX 2.1 `sighting` objects POSTed to a workspace's collection (docs/api.md §13): each names an
 * indicator the workspace can read (`sighting_of_ref`, its own collection's or the shared feed's)
 * and is recorded as a sighting of that indicator's value, exactly as `POST /api/v1/sightings`
 * records one (src/iocs/sightings.ts: `count`, `last_seen` as when it was seen, `x_false_positive`
 * as the workspace's judgement, with `description` as its reason).
 */
import type { Db } from '../db/handle.js';
import { preparedRows } from '../db/prepared.js';
import { INDICATOR_NAMESPACE } from '../core/stixIds.js';
import { MAX_SIGHTINGS, reportSightings, type SightingInput } from '../iocs/sightings.js';

/** What became of one sighting object: recorded, or why not. */
export type SightingOutcome = { kept: true } | { kept: false; reason: string };

const INDICATOR_REF = /^indicator--([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const isSighting = (object: Record<string, unknown>) => object.type === 'sighting';

/** The sighting input of a STIX sighting whose indicator is `ioc`, or why it cannot be one. */
function inputOf(object: Record<string, unknown>, ioc: { type: string; value: string }): SightingInput | string {
  const { count, last_seen: lastSeen, x_false_positive: falsePositive, description } = object;
  if (count !== undefined && typeof count !== 'number') return 'count must be a number';
  if (lastSeen !== undefined && typeof lastSeen !== 'string') return 'last_seen must be a timestamp';
  if (falsePositive !== undefined && typeof falsePositive !== 'boolean')
    return 'x_false_positive must be true or false';
  const judged = typeof falsePositive === 'boolean';
  return {
    type: ioc.type,
    value: ioc.value,
    count: count ?? null,
    seenAt: lastSeen ?? null,
    source: 'TAXII',
    falsePositive: judged ? falsePositive : null,
    reason: judged && typeof description === 'string' ? description : null,
  };
}

/**
 * Records the sighting objects of one envelope for the workspace, in reports of up to 1000; calls
 * `onObject` with each object's index (in `objects`) and outcome.
 */
export async function addSightings(
  db: Db,
  workspaceId: string,
  objects: readonly Record<string, unknown>[],
  onObject: (index: number, outcome: SightingOutcome) => void,
): Promise<void> {
  const refs = objects.map((object) =>
    typeof object.sighting_of_ref === 'string' ? (INDICATOR_REF.exec(object.sighting_of_ref)?.[1] ?? null) : null,
  );
  const wanted = [...new Set(refs.filter((ref): ref is string => ref !== null))];
  // The indicators by their STIX id (derived from the IOC's id, indexed: drizzle/0015), as the
  // workspace can read them.
  const found = new Map<string, { type: string; value: string }>();
  for (let start = 0; start < wanted.length; start += MAX_SIGHTINGS) {
    const rows = await preparedRows<{ uuid: string; type: string; value: string }>(
      db,
      `select uuid_generate_v5('${INDICATOR_NAMESPACE}'::uuid, id::text)::text as uuid, type::text as type, value
       from iocs where uuid_generate_v5('${INDICATOR_NAMESPACE}'::uuid, id::text) = any($2::uuid[])
         and (workspace_id is null or workspace_id = $1::uuid)`,
      [workspaceId, wanted.slice(start, start + MAX_SIGHTINGS)],
    );
    for (const row of rows) found.set(row.uuid, row);
  }
  // Each object's outcome, told in the envelope's order once all are known.
  const outcomes: SightingOutcome[] = [];
  const pending: { index: number; input: SightingInput }[] = [];
  objects.forEach((object, index) => {
    const ref = refs[index];
    const ioc = ref ? found.get(ref) : undefined;
    const input = ioc ? inputOf(object, ioc) : null;
    if (!ref) outcomes[index] = { kept: false, reason: 'sighting_of_ref must name an indicator' };
    else if (!ioc) outcomes[index] = { kept: false, reason: UNKNOWN };
    else if (typeof input === 'string') outcomes[index] = { kept: false, reason: input };
    else pending.push({ index, input: input! });
  });
  for (let start = 0; start < pending.length; start += MAX_SIGHTINGS) {
    const batch = pending.slice(start, start + MAX_SIGHTINGS);
    const report = await reportSightings(
      db,
      workspaceId,
      batch.map((item) => item.input),
    );
    const refused = new Map<number, string>([
      ...report.rejected.map((r): [number, string] => [r.index, r.reason]),
      ...report.unknown.map((u): [number, string] => [u.index, UNKNOWN]),
    ]);
    batch.forEach((item, i) => {
      const reason = refused.get(i);
      outcomes[item.index] = reason === undefined ? { kept: true } : { kept: false, reason };
    });
  }
  outcomes.forEach((outcome, index) => onObject(index, outcome));
}

const UNKNOWN = 'sighting_of_ref names no indicator this workspace reads';
