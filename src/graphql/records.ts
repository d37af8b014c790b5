/**
 * A record's GraphQL object fields from its declaration (src/core/records.ts): each shown field, in
 * order, with the type of its kind. The IOC and leak types are built this way, so that a field
 * declared once reaches GraphQL, and through it REST, with nothing else to write.
 */
import { shownFields, type FieldKind, type ShownField, type Sightings } from '../core/records.js';
import { builder, type Types } from './builder.js';
import { IocStatusEnum, IocTypeEnum, LeakSourceTypeEnum, SeverityEnum, TlpEnum } from './enums.js';

const SightingsRef = builder.objectRef<Sightings>('Sightings').implement({
  description: 'What the calling workspace reported seeing.',
  fields: (t) => ({
    count: t.exposeInt('count', { description: 'How many times, in all its sightings.' }),
    lastSeen: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'Its latest sighting; null when none.',
      resolve: (sightings) => sightings.last_seen,
    }),
  }),
});

const OUTPUT_TYPES = {
  id: 'ID',
  iocType: IocTypeEnum,
  text: 'String',
  int: 'Int',
  severity: SeverityEnum,
  tlp: TlpEnum,
  tags: ['String'],
  timestamp: 'DateTime',
  boolean: 'Boolean',
  leakSourceType: LeakSourceTypeEnum,
  iocStatus: IocStatusEnum,
  sightings: SightingsRef,
} as const satisfies Record<FieldKind, unknown>;

type FieldBuilder = PothosSchemaTypes.ObjectFieldBuilder<Types, object>;

/** The object type's fields: pass to `fields` of `objectRef(...).implement`. */
export function recordFields(t: FieldBuilder, declaration: Readonly<Record<string, ShownField>>) {
  // The declaration says which type each field has; Pothos cannot follow a name chosen at run time.
  const expose = t.expose.bind(t) as unknown as (name: string, options: object) => ReturnType<typeof t.exposeString>;
  return Object.fromEntries(
    shownFields(declaration).map((field) => {
      const { kind, nullable = false, description } = declaration[field]!;
      return [field, expose(field, { type: OUTPUT_TYPES[kind], nullable, ...(description ? { description } : {}) })];
    }),
  );
}
