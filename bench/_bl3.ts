import http from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createFeed } from '../src/feeds/feeds.js';
import { pullFeed } from '../src/feeds/pull.js';
import { STRICT_POLICY } from '../src/http/urlPolicy.js';
import { SecretBox } from '../src/webhooks/secrets.js';
import { createWorkspace } from '../src/workspaces/service.js';
import { makeKeys } from './servers.js';
const N = 400_000;
const admin = postgres('postgres://postgres@127.0.0.1:5432/postgres', { max: 1, onnotice: () => {} });
await admin.unsafe('drop database if exists ti_bl2 with (force)');
await admin.unsafe('create database ti_bl2');
await admin.end();
const database = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/ti_bl2', poolSize: 2 });
await migrateDatabase(database);
const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const server = http.createServer((_req, res) => {
  res.writeHead(200);
  const now = Date.now();
  let i = 0;
  const write = () => {
    while (i < N) {
      const lines = [];
      for (let k = 0; k < 1000 && i < N; k++, i++)
        lines.push(
          `"${i}","${utc(now - 3600000)}","http://host-${i}.urlhaus.example/bins/${i.toString(36)}.sh","online","${utc(now - 60000)}","malware_download","elf,mirai","https://urlhaus.abuse.ch/url/${i}/","r"\n`,
        );
      if (!res.write(lines.join(''))) return void res.once('drain', write);
    }
    res.end();
  };
  write();
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const feed = await createFeed(
  database.db,
  null,
  { name: 'URLhaus', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, format: 'urlhaus' },
  { policy: STRICT_POLICY, secrets: SecretBox.ephemeral(), trusted: true },
);
await pullFeed(database.db, feed, { policy: STRICT_POLICY, headers: {}, maxRecords: Infinity });
server.close();
const ws = await createWorkspace(database.db, { name: 'w', plan: 'enterprise' });
const [key] = await makeKeys(database, ws.id, 1, 'bl');
console.log(key);
await database.close();
