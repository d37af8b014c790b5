/**
 * Reference server for the benchmark: `node:http` + `postgres`, answering the IOC listing of
 * `GET /api/v1/iocs?type=&limit=` with the same SQL the product runs, and no authentication. It is
 * the floor for a database-backed answer; the product's S1 is measured against it.
 */
import { createServer } from 'node:http';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 10, connection: { TimeZone: 'UTC' } });
const workspaceId = process.env.BENCH_WORKSPACE_ID!;

const server = createServer(async (req, res) => {
  const url = new URL(req.url!, 'http://localhost');
  const type = url.searchParams.get('type') ?? 'ipv4';
  const limit = Number(url.searchParams.get('limit') ?? 50);
  const rows = await sql`
    select id, type, value, threat_type, malware_family, confidence, severity, tlp, tags, source,
           workspace_id is null as shared, first_seen, last_seen, created_at, updated_at
    from iocs
    where (workspace_id is null or workspace_id = ${workspaceId}) and type = ${type}
    order by updated_at desc, id desc
    limit ${limit + 1}`;
  const page = rows.slice(0, limit);
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(
    JSON.stringify({
      data: page,
      pagination: {
        limit,
        next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null,
        has_more: rows.length > limit,
      },
    }),
  );
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
