/**
 * Reference server for the benchmark: a plain graphql-yoga + Pothos server resolving
 * `iocs(type, first)` with the product's SQL, no authentication, nothing else. The product's S2
 * (GraphQL with a key) is measured against it.
 */
import { createServer } from 'node:http';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, connection: { TimeZone: 'UTC' } });
const workspaceId = process.env.BENCH_WORKSPACE_ID!;

interface Ioc {
  id: string;
  type: string;
  value: string;
  confidence: number;
  tags: string[];
  updated_at: Date;
}

// The product's scope-auth plugin augments Pothos' option types globally; this builder uses no plugin.
const builder = new SchemaBuilder({} as never);
const IocRef = builder.objectRef<Ioc>('Ioc').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.exposeString('type'),
    value: t.exposeString('value'),
    confidence: t.exposeInt('confidence'),
    tags: t.exposeStringList('tags'),
    updatedAt: t.string({ resolve: (ioc) => ioc.updated_at.toISOString() }),
  }),
});
builder.queryType({
  fields: (t) => ({
    iocs: t.field({
      type: [IocRef],
      args: { type: t.arg.string({ required: true }), first: t.arg.int({ required: true }) },
      resolve: (_root, args) => sql<Ioc[]>`
        select id, type, value, confidence, tags, updated_at from iocs
        where (workspace_id is null or workspace_id = ${workspaceId}) and type = ${args.type}
        order by updated_at desc, id desc limit ${args.first}`,
    }),
  }),
});

const yoga = createYoga({ schema: builder.toSchema(), logging: false, graphiql: false });
createServer(yoga).listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
