/**
 * The TAXII 2.1 API root and its two collections (docs/api.md §11): the shared feed, under one fixed
 * id on every installation, and the calling workspace's own IOCs, under an id derived from the
 * workspace. Both hold the STIX 2.1 indicators of the export.
 */
import { v5 as uuidv5 } from 'uuid';
import type { Principal } from '../auth/principal.js';
import { STIX_MEDIA_TYPE } from '../iocs/stix.js';

export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

/** The largest POST an API root takes (its `max_content_length`): a STIX envelope of 10 MiB. */
export const TAXII_MAX_CONTENT_LENGTH = 10 * 1024 * 1024;

/** The shared feed's collection id: the same everywhere, so that a connector set up once keeps working. */
export const SHARED_FEED_COLLECTION_ID = '2f6b1a7e-3c5d-4e8f-9a0b-6d7c8e9f0a1b';

const COLLECTION_NAMESPACE = '7d1e9c3a-5b2f-4a6d-8e0c-1f2a3b4c5d6e';

/** A workspace's own collection id: stable, and meaningless to any other workspace. */
export const ownCollectionId = (workspaceId: string) => uuidv5(workspaceId, COLLECTION_NAMESPACE);

export interface TaxiiCollection {
  id: string;
  title: string;
  description: string;
  canRead: boolean;
  canWrite: boolean;
  mediaTypes: string[];
  /** Which IOCs it holds. */
  holds: 'shared' | 'own';
}

/** The collections a caller sees, the shared feed first; what it may do in each follows its key's permissions. */
export function collectionsOf(caller: Principal): TaxiiCollection[] {
  const canRead = caller.key.permissions.includes('iocs:read');
  return [
    {
      id: SHARED_FEED_COLLECTION_ID,
      title: 'Shared feed',
      description: 'Indicators of the shared threat-intelligence feed, as STIX 2.1 indicators, oldest change first.',
      canRead,
      canWrite: false,
      mediaTypes: [STIX_MEDIA_TYPE],
      holds: 'shared',
    },
    {
      id: ownCollectionId(caller.workspace.id),
      title: `${caller.workspace.name}: own indicators`,
      description:
        'The workspace’s own IOCs (submissions and imports), as STIX 2.1 indicators, and its sightings of any IOC it reads, as STIX sightings; keys with iocs:write may add to it.',
      canRead,
      canWrite: caller.key.permissions.includes('iocs:write'),
      mediaTypes: [STIX_MEDIA_TYPE],
      holds: 'own',
    },
  ];
}

export function findCollection(caller: Principal, id: string): TaxiiCollection | null {
  return collectionsOf(caller).find((collection) => collection.id === id.toLowerCase()) ?? null;
}
