/**
 * Fixtures of the sprint lifecycle and kanban tests: tasks made with tasks.task.add, items moved
 * between entities straight in the store (tasks.api.scrum.task.update is not relied on), and
 * read-backs of boards, links and items.
 */
import assert from 'node:assert/strict';
import type { Client, Reply, TestServer } from './harness.js';

export function expectError(r: Reply, code: '0' | '100', description: string): void {
  assert.deepEqual(
    { status: r.status, error: r.body?.error, error_description: r.body?.error_description },
    { status: 400, error: code, error_description: description },
    r.text,
  );
  assert.equal('time' in r.body, false);
}

/** A success answer with exactly this result. */
export function expectResult(r: Reply, result: unknown): void {
  assert.equal(r.status, 200, r.text);
  assert.ok('time' in r.body, r.text);
  assert.deepEqual(r.body.result, result);
}

export class Fixtures {
  constructor(readonly ts: TestServer) {}

  get db() {
    return this.ts.server.app.store.db;
  }

  async backlog(c: Client, groupId: number): Promise<number> {
    return (await c.result('tasks.api.scrum.backlog.add', { fields: { groupId, createdBy: c.userId } })).id;
  }

  /** A sprint added with sprint.add (planned unless asked), with fixed dates. */
  async sprint(
    c: Client,
    groupId: number,
    extra: { name?: string; status?: string; dateStart?: unknown; dateEnd?: unknown; sort?: number } = {},
  ): Promise<number> {
    const s = await c.result('tasks.api.scrum.sprint.add', {
      fields: {
        groupId,
        name: extra.name ?? 'Sprint',
        createdBy: c.userId,
        dateStart: extra.dateStart ?? '2024-07-01T09:00:00+00:00',
        dateEnd: extra.dateEnd ?? '2024-07-15T09:00:00+00:00',
        status: extra.status ?? 'planned',
        sort: extra.sort ?? 5,
      },
    });
    return s.id;
  }

  /** A task created with tasks.task.add; returns its id. */
  async task(c: Client, groupId: number, extra: Record<string, unknown> = {}): Promise<number> {
    const r = await c.result('tasks.task.add', { fields: { TITLE: 'Task', RESPONSIBLE_ID: c.userId, GROUP_ID: groupId, ...extra } });
    return Number(r.task.id);
  }

  /** Puts the task's item into an entity with the given sort (creating the item when it has none). */
  async moveItem(taskId: number, entityId: number, sortFloat: number): Promise<number> {
    const item = await this.db.selectFrom('scrum_items').select('id').where('source_id', '=', taskId).executeTakeFirst();
    if (item) {
      await this.db.updateTable('scrum_items').set({ entity_id: entityId, sort_float: sortFloat }).where('id', '=', item.id).execute();
      return item.id;
    }
    const r = await this.db
      .insertInto('scrum_items')
      .values({ entity_id: entityId, source_id: taskId, epic_id: 0, active: 'Y', sort_float: sortFloat, story_points: null, created_by: 1, modified_by: 1, info: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async itemOf(taskId: number) {
    return this.db.selectFrom('scrum_items').selectAll().where('source_id', '=', taskId).executeTakeFirstOrThrow();
  }

  /** Task ids of an entity's items in display order (sort ascending, ties by item id descending) with their sorts. */
  async items(entityId: number): Promise<{ task: number; sort: number }[]> {
    const rows = await this.db
      .selectFrom('scrum_items')
      .select(['source_id', 'sort_float'])
      .where('entity_id', '=', entityId)
      .orderBy('sort_float', 'asc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map((r) => ({ task: r.source_id, sort: r.sort_float }));
  }

  /** The stages of a board in column order, as raw rows. */
  async stages(sprintId: number) {
    return this.db
      .selectFrom('kanban_stages')
      .selectAll()
      .where('entity_type', '=', 'A')
      .where('entity_id', '=', sprintId)
      .orderBy('sort', 'asc')
      .orderBy('id', 'asc')
      .execute();
  }

  async stageId(sprintId: number, type: string): Promise<number> {
    const s = (await this.stages(sprintId)).find((x) => x.system_type === type);
    assert.ok(s, `no ${type} stage on sprint ${sprintId}`);
    return s.id;
  }

  /** The task's stage ids, ascending. */
  async links(taskId: number): Promise<number[]> {
    const rows = await this.db.selectFrom('kanban_task_stages').select('stage_id').where('task_id', '=', taskId).orderBy('stage_id').execute();
    return rows.map((r) => r.stage_id);
  }

  async link(taskId: number, stageId: number): Promise<void> {
    await this.db.insertInto('kanban_task_stages').values({ task_id: taskId, stage_id: stageId }).execute();
  }

  /** The denormalized STAGE_ID of a task. */
  async taskStage(taskId: number): Promise<number> {
    return (await this.db.selectFrom('tasks').select('stage_id').where('id', '=', taskId).executeTakeFirstOrThrow()).stage_id;
  }

  async sprintRow(id: number) {
    return this.db.selectFrom('scrum_entities').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  async setRole(groupId: number, userId: number, role: 'A' | 'E' | 'K' | 'T' | 'Z'): Promise<void> {
    await this.db
      .insertInto('group_members')
      .values({ group_id: groupId, user_id: userId, role, initiated_by_type: 'U', initiated_by_user_id: userId, auto_member: 'N', date_create: 0, date_update: 0 })
      .execute();
  }
}
