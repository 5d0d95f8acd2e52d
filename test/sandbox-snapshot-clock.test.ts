/**
 * Snapshot times follow the portal's clock (a portal time like the journal's and the clock's own): a
 * test that froze or moved the clock sees its snapshots made at the portal's time — in the answer of
 * the save, in the list, and after the server restarted on the same database (SQLite file: the time is
 * kept in the snapshot itself). On SQLite and PostgreSQL (SCRUMD_TEST_DIALECT).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { controlCall, startTestServer, type TestServer } from './helpers/harness.js';
import { testingPostgres } from './helpers/database.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-snapclock-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function ok(t: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const r = await controlCall(t, method, path, body);
  assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
  return r.body;
}

const FROZEN = 1_893_456_000; // 2030-01-01T00:00:00Z
const PAST = 946_684_800; // 2000-01-01T00:00:00Z

test('a snapshot saved under a frozen or moved clock is made at the portal time, and stays so', async () => {
  // a SQLite file (not :memory:) so a second server finds the snapshots again; PostgreSQL: the test database
  const overrides = testingPostgres() ? {} : { database: join(dir, 'portal.db') };
  let t = await startTestServer(overrides);
  try {
    await ok(t, 'POST', '/_scrumd/clock/freeze', { time: FROZEN });
    const saved = await ok(t, 'POST', '/_scrumd/snapshots/frozen');
    assert.equal(saved.result.created, FROZEN);
    await ok(t, 'POST', '/_scrumd/clock/reset');
    await ok(t, 'POST', '/_scrumd/clock/set', { time: PAST });
    const moved = await ok(t, 'POST', '/_scrumd/snapshots/moved');
    // a running clock set to PAST: a few seconds past it at most
    assert.ok(moved.result.created >= PAST && moved.result.created < PAST + 60, `created ${moved.result.created}`);
    const list = (await ok(t, 'GET', '/_scrumd/snapshots')).result as { name: string; created: number }[];
    assert.deepEqual(
      list.map((s) => [s.name, s.created]),
      [
        ['frozen', FROZEN],
        ['moved', moved.result.created],
      ],
    );
    if (testingPostgres()) return;
    // the time is the snapshot's own, not the file's: the same after a restart on the same database
    await t.close();
    t = await startTestServer(overrides);
    const again = (await ok(t, 'GET', '/_scrumd/snapshots')).result as { name: string; created: number }[];
    assert.deepEqual(again, list);
    // and a restore still works with the time kept in the snapshot
    await ok(t, 'POST', '/_scrumd/snapshots/frozen/restore');
  } finally {
    await t.close();
  }
});
