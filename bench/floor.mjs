// The floor of the benchmark: the least a Node server can do per request and still answer what
// scrumd's two measured calls answer — no framework, no authentication, no access check, no
// validation, no envelope beyond one field. Usage: node floor.mjs PORT DATABASE_FILE
//
//   GET  /read?id=N                         three point reads by primary key (what sprint.get reads:
//                                           the credentials, the sprint, the caller's role), one row
//   POST /write {"id":N,"fields":{"name":…}} one durable write transaction (what sprint.update does at
//                                           least: BEGIN IMMEDIATE, read, UPDATE, re-read, COMMIT)
//
// Durability as scrumd's default: WAL, synchronous=NORMAL, and no answer before an fdatasync of the
// WAL that covers its write, one sync shared by every answer waiting (group commit). better-sqlite3
// statements are prepared once. The ratio of this server to the bare baseline is the most any server
// built on Node and SQLite can reach on this machine for these calls.
import { fdatasync, openSync } from 'node:fs';
import { createServer } from 'node:http';
import BetterSqlite3 from 'better-sqlite3';

const [port, file] = [Number(process.argv[2]), process.argv[3]];
const db = new BetterSqlite3(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const entity = db.prepare('select * from scrum_entities where id = ?');
const webhook = db.prepare('select w.id, w.scopes, u.active from webhooks w join users u on u.id = w.user_id where w.user_id = ?');
const role = db.prepare('select g.id, m.role from sonet_groups g left join group_members m on m.group_id = g.id and m.user_id = ? where g.id = ?');
const rename = db.prepare('update scrum_entities set name = ? where id = ?');
const begin = db.prepare('begin immediate');
const commit = db.prepare('commit');
db.prepare("update scrum_entities set name = name where id = (select min(id) from scrum_entities)").run(); // makes the WAL file
const wal = openSync(`${file}-wal`, 'r+');

let written = 0;
let synced = 0;
let syncing = false;
const waiting = [];
function sync() {
  if (syncing || waiting.length === 0) return;
  syncing = true;
  const upTo = written;
  fdatasync(wal, (err) => {
    if (err) throw err;
    synced = upTo;
    syncing = false;
    const ready = waiting.filter((w) => w.at <= synced);
    waiting.splice(0, waiting.length, ...waiting.filter((w) => w.at > synced));
    for (const w of ready) w.send();
    sync();
  });
}

function answer(res, status, result) {
  const body = JSON.stringify({ result });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'GET') {
      const id = Number(new URL(req.url, 'http://x').searchParams.get('id'));
      webhook.get(1);
      const row = entity.get(id);
      if (row) role.get(1, row.group_id);
      return answer(res, row ? 200 : 400, row ?? null);
    }
    let p;
    try {
      p = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return answer(res, 400, null);
    }
    begin.run();
    let row;
    try {
      entity.get(p.id);
      rename.run(String(p.fields?.name ?? ''), p.id);
      row = entity.get(p.id);
      commit.run();
    } catch (e) {
      db.exec('rollback');
      throw e;
    }
    written++;
    waiting.push({ at: written, send: () => answer(res, 200, row) });
    sync();
  });
}).listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
process.once('SIGTERM', () => process.exit(0));
