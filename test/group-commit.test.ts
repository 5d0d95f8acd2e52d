/** Group commit (src/store/groupCommit.ts): answers wait for one shared sync of the WAL. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { GroupCommit } from '../src/store/groupCommit.js';
import { createScrum, startTestServer } from './helpers/harness.js';

/** Counts the syncs and lets the test decide when each one finishes. */
class Recording extends GroupCommit {
  syncs = 0;
  private pending: (() => void)[] = [];
  constructor() {
    super('/nonexistent');
  }
  protected override sync(): Promise<void> {
    this.syncs++;
    return new Promise((resolve) => this.pending.push(resolve));
  }
  finish(): void {
    this.pending.shift()?.();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('group commit', () => {
  test('nothing to wait for before a write and after its sync', async () => {
    const g = new Recording();
    assert.equal(g.durable(), undefined);
    g.wrote();
    const p = g.durable();
    assert.ok(p);
    g.finish();
    await p;
    assert.equal(g.durable(), undefined);
    assert.equal(g.syncs, 1);
  });

  test('concurrent waiters share a sync; a write during a sync needs the next one', async () => {
    const g = new Recording();
    g.wrote();
    const a = g.durable()!;
    g.wrote();
    const b = g.durable()!; // made after the first sync started
    const c = g.durable()!;
    assert.equal(g.syncs, 1);
    let bDone = false;
    void b.then(() => (bDone = true));
    g.finish();
    await a;
    await tick();
    assert.equal(bDone, false, 'the second write is not covered by the first sync');
    assert.equal(g.syncs, 2, 'one more sync, shared by both waiters');
    g.finish();
    await Promise.all([b, c]);
    assert.equal(g.durable(), undefined);
  });

  test('a failed sync fails its waiters and the next call tries again', async () => {
    class Failing extends GroupCommit {
      calls = 0;
      protected override async sync(): Promise<void> {
        if (++this.calls === 1) throw new Error('EIO');
      }
    }
    const g = new Failing('/nonexistent');
    g.wrote();
    await assert.rejects(g.durable()!, /EIO/);
    await g.durable();
    assert.equal(g.durable(), undefined);
  });

  const dir = mkdtempSync(join(tmpdir(), 'scrumd-gc-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a SQLite file server answers a write only after its sync', async () => {
    const t = await startTestServer({ database: join(dir, 'gc.db') });
    try {
      const group = await createScrum(t.admin);
      assert.equal(t.server.app.store.durable(), undefined);
      await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: group, createdBy: 1 } });
      assert.equal(t.server.app.store.durable(), undefined);
      // the real sync of the WAL file works
      const synced = await Promise.all([1, 2, 3].map((n) => t.admin.result('tasks.api.scrum.sprint.add', {
        fields: { groupId: group, name: `S${n}`, createdBy: 1, status: 'planned', dateStart: '2026-01-01', dateEnd: '2026-01-15' },
      })));
      assert.equal(synced.length, 3);
      assert.equal(t.server.app.store.durable(), undefined);
    } finally {
      await t.close();
    }
  });
});
