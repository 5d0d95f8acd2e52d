/** The list page reads only the columns of the selected fields: its column list must be the table's. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TASK_COLUMNS, columnsForList } from '../src/domain/tasks.js';
import { parseSelect } from '../src/domain/taskFields.js';
import { startTestServer } from './helpers/harness.js';

test('TASK_COLUMNS lists every column of the tasks table', async () => {
  const t = await startTestServer();
  try {
    const tables = await t.server.app.store.db.introspection.getTables();
    const tasks = tables.find((x) => x.name === 'tasks');
    assert.ok(tasks);
    assert.deepEqual([...TASK_COLUMNS].sort(), tasks.columns.map((c) => c.name).sort());
  } finally {
    await t.close();
  }
});

test('a list page reads the selected fields’ columns and the ones every rendering uses', () => {
  assert.deepEqual(columnsForList(parseSelect(['ID', 'TITLE'])), ['id', 'title', 'status', 'responsible_id', 'created_by', 'group_id', 'deadline']);
  assert.deepEqual(columnsForList(parseSelect([])), [...TASK_COLUMNS], 'the default selection reads every column');
});
