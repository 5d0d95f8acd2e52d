/**
 * The example fixture (examples/fixtures/seed.json, README "Fixtures"): it is what the current sources
 * make of the seed data set (so it cannot go stale silently: a change of the schema or of the seed
 * fails here until it is made again), and a server that imports it exports it back unchanged and
 * answers over the webhook it names. On SQLite and PostgreSQL (SCRUMD_TEST_DIALECT).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { sql } from 'kysely';
import { openStore } from '../src/store/db.js';
import { startTestServer, toReply } from './helpers/harness.js';
import { EXAMPLE_FIXTURE, EXAMPLE_SEED, EXAMPLE_WEBHOOK_SECRET, generateExampleFixture } from '../examples/fixtures/generate.js';

const committed = readFileSync(EXAMPLE_FIXTURE, 'utf8');

test('docs/FIXTURES.md names every table of the schema with its columns, in order', async () => {
  const doc = readFileSync(new URL('../docs/FIXTURES.md', import.meta.url), 'utf8');
  const documented = new Map<string, string>();
  for (const m of doc.matchAll(/^\| `([a-z_]+)` \| (ids)? \| (.*) \|$/gm)) documented.set(m[1]!, m[3]!);
  const store = await openStore(':memory:');
  try {
    const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%' order by name`.execute(store.db)).rows;
    const actual = new Map<string, string>();
    for (const { name } of tables) {
      const cols = (await sql<{ name: string }>`select name from pragma_table_info(${name}) order by cid`.execute(store.db)).rows;
      actual.set(name, cols.map((c) => `\`${c.name}\``).join(', '));
    }
    // on a change of the schema: paste the rows the message lists over the table in docs/FIXTURES.md (mark tables with ids)
    const rows = [...actual].map(([t, cols]) => `| \`${t}\` | ${documented.has(t) && /\| ids \|/.test(doc.split(`\`${t}\``)[1]?.split('\n')[0] ?? '') ? 'ids' : '?'} | ${cols} |`);
    assert.deepEqual(Object.fromEntries(documented), Object.fromEntries(actual), `docs/FIXTURES.md: the table list is out of date with the schema; it should read:\n${rows.join('\n')}`);
  } finally {
    await store.close();
  }
});

test('examples/fixtures/seed.json is what the current sources make of the seed data set', () => {
  const fresh = generateExampleFixture();
  assert.ok(
    fresh === committed,
    'examples/fixtures/seed.json is stale (the schema or the seed changed): make it again with `node --import tsx examples/fixtures/generate.ts` and commit it',
  );
  const doc = JSON.parse(committed);
  assert.equal(doc.format, 'scrumd-fixture');
  assert.equal(doc.version, 1);
  assert.equal(doc.tables.sonet_groups.length, EXAMPLE_SEED.groups);
  assert.equal(doc.tables.tasks.length, EXAMPLE_SEED.tasks);
});

test('imported into a new server it exports back identically; its webhook and ids work', async () => {
  const t = await startTestServer();
  try {
    const ctl = async (method: string, path: string, body?: unknown) =>
      toReply(
        await fetch(`${t.origin}${path}`, {
          method,
          headers: { authorization: `Bearer ${t.server.controlToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
    const imported = await ctl('POST', '/_scrumd/fixture', committed);
    assert.equal(imported.status, 200, imported.text);
    const exported = await ctl('GET', '/_scrumd/fixture');
    assert.equal(exported.status, 200, exported.text);
    assert.deepEqual(exported.body, JSON.parse(committed));
    // the webhook the example names (user 1, secret "example") and the ids it holds
    const doc = JSON.parse(committed);
    const sprint = doc.tables.scrum_entities.find((e: { entity_type: string }) => e.entity_type === 'sprint');
    const r = await toReply(await fetch(`${t.origin}/rest/1/${EXAMPLE_WEBHOOK_SECRET}/tasks.api.scrum.sprint.get?id=${sprint.id}`));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.result.id, sprint.id);
    assert.equal(r.body.result.groupId, sprint.group_id);
    const tasks = await toReply(await fetch(`${t.origin}/rest/1/${EXAMPLE_WEBHOOK_SECRET}/tasks.task.list?select[]=ID&order[ID]=desc`));
    assert.equal(tasks.status, 200, tasks.text);
    assert.equal(tasks.body.total, EXAMPLE_SEED.tasks);
  } finally {
    await t.close();
  }
});
