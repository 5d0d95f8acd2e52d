/**
 * Burndown and velocity, computed exactly from the sprint history (history.ts): the state of a sprint
 * at any moment is the last row of each task up to it, replayed in the order the rows were written.
 *
 * Burndown of a started sprint: the remaining story points (tasks in the sprint and not completed) at
 * the end of each day of the portal's time zone from the day it started to its end date (its
 * completion when completed), against the ideal line from the remaining points at the start down to 0
 * at the end of the last day; per day the scope added (a task entering, story points raised) and
 * removed (a task leaving, story points lowered), and the points completed (less those reopened).
 * Days after the portal's "now" have no remaining value (null).
 *
 * Velocity of a group: per completed sprint, the story points completed in it when it was completed
 * (and committed: the points at its start). A sprint started before the history existed has neither.
 */
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type { Database } from '../../store/schema.js';
import { historyDb, type HistoryRow } from './history.js';
import type { Burndown, BurndownDay, Velocity, VelocitySprint } from './historyTypes.js';

/** At most this many days on a burndown's axis (a sprint with a far end date shows its first year). */
const MAX_DAYS = 366;

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

interface TaskState {
  in: boolean;
  points: number;
  done: boolean;
}

/** The history rows of the sprints, each sprint's in the order they were written. */
async function rowsOfSprints(db: Kysely<Database>, sprintIds: readonly number[]): Promise<Map<number, HistoryRow[]>> {
  const out = new Map<number, HistoryRow[]>();
  for (const id of sprintIds) out.set(id, []);
  for (let i = 0; i < sprintIds.length; i += 500) {
    const rows = await historyDb(db).selectFrom('sprint_history').selectAll().where('sprint_id', 'in', sprintIds.slice(i, i + 500)).orderBy('id').execute();
    for (const r of rows) {
      out.get(Number(r.sprint_id))?.push({ ...r, id: Number(r.id), sprint_id: Number(r.sprint_id), group_id: Number(r.group_id), task_id: Number(r.task_id), in_sprint: Number(r.in_sprint), points: Number(r.points), done: Number(r.done), at: Number(r.at) });
    }
  }
  return out;
}

async function rowsOf(db: Kysely<Database>, sprintId: number): Promise<HistoryRow[]> {
  return (await rowsOfSprints(db, [sprintId])).get(sprintId)!;
}

/** The rows from the sprint's last start marker up to (not including) its end marker after it; undefined when it never started with history. */
function startedSlice(rows: readonly HistoryRow[]): { start: HistoryRow; end: HistoryRow | undefined; rows: HistoryRow[] } | undefined {
  let s = -1;
  for (let i = rows.length - 1; i >= 0; i--) {
    if (rows[i]!.task_id === 0 && rows[i]!.kind === 'start') {
      s = i;
      break;
    }
  }
  if (s < 0) return undefined;
  const out: HistoryRow[] = [];
  let end: HistoryRow | undefined;
  for (let i = s + 1; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.task_id === 0) {
      if (r.kind === 'end') {
        end = r;
        break;
      }
      continue;
    }
    out.push(r);
  }
  return { start: rows[s]!, end, rows: out };
}

class Replay {
  readonly tasks = new Map<number, TaskState>();
  added = 0;
  removed = 0;
  completed = 0;

  apply(r: HistoryRow): void {
    const prev = this.tasks.get(r.task_id);
    const next: TaskState = { in: r.in_sprint === 1, points: r.points, done: r.done === 1 };
    this.tasks.set(r.task_id, next);
    if (r.kind === 'baseline') return;
    const wasIn = prev?.in ?? false;
    if (!wasIn && next.in) {
      this.added += next.points;
      if (next.done) this.completed += next.points;
    } else if (wasIn && !next.in) {
      this.removed += prev!.points;
      if (prev!.done) this.completed -= prev!.points;
    } else if (wasIn && next.in) {
      const delta = next.points - prev!.points;
      if (delta > 0) this.added += delta;
      if (delta < 0) this.removed -= delta;
      if (!prev!.done && next.done) this.completed += next.points;
      else if (prev!.done && !next.done) this.completed -= prev!.points;
      else if (prev!.done && next.done) this.completed += delta;
    }
  }

  sum(pred: (t: TaskState) => boolean): number {
    let s = 0;
    for (const t of this.tasks.values()) if (t.in && pred(t)) s += t.points;
    return round(s);
  }

  /** Takes the day's added/removed/completed and starts counting anew. */
  take(): { added: number; removed: number; completed: number } {
    const out = { added: round(this.added), removed: round(this.removed), completed: round(this.completed) };
    this.added = this.removed = this.completed = 0;
    return out;
  }
}

interface SprintRow {
  id: number;
  group_id: number;
  name: string;
  status: string | null;
  date_start: number | null;
  date_end: number | null;
}

async function sprintRow(db: Kysely<Database>, sprintId: number): Promise<SprintRow | undefined> {
  const r = await db
    .selectFrom('scrum_entities')
    .select(['id', 'group_id', 'name', 'status', 'date_start', 'date_end'])
    .where('id', '=', sprintId)
    .where('entity_type', '=', 'sprint')
    .executeTakeFirst();
  return r && { ...r, id: Number(r.id), group_id: Number(r.group_id), date_start: r.date_start === null ? null : Number(r.date_start), date_end: r.date_end === null ? null : Number(r.date_end) };
}

/** The group of a sprint (for the access check), undefined when there is no such sprint. */
export async function groupOfSprint(db: Kysely<Database>, sprintId: number): Promise<number | undefined> {
  return (await sprintRow(db, sprintId))?.group_id;
}

/** The burndown of a sprint (see above); undefined when there is no such sprint. */
export async function burndown(db: Kysely<Database>, zone: string, sprintId: number, now: number): Promise<Burndown | undefined> {
  const sprint = await sprintRow(db, sprintId);
  if (!sprint) return undefined;
  const base = { sprintId: sprint.id, name: sprint.name, status: sprint.status ?? '' };
  if (sprint.status !== 'active' && sprint.status !== 'completed') {
    return { ...base, history: false, reason: 'The sprint has not started.', days: [] };
  }
  const slice = startedSlice(await rowsOf(db, sprint.id));
  if (!slice) return { ...base, history: false, reason: 'The sprint was started before scrumd kept a sprint history.', days: [] };

  const startedAt = slice.start.at;
  // the axis: from the day it started to its end date, or to its completion
  const endsAt = slice.end ? slice.end.at : Math.max(startedAt, sprint.date_end ?? startedAt);
  const replay = new Replay();
  let i = 0;
  const rows = slice.rows;
  // the baseline (written with the start marker)
  while (i < rows.length && rows[i]!.kind === 'baseline') replay.apply(rows[i++]!);
  const startScope = replay.sum(() => true);
  const startRemaining = replay.sum((t) => !t.done);
  replay.take();

  const days: { date: string; endOf: number; startOf: number }[] = [];
  let day = DateTime.fromSeconds(startedAt, { zone }).startOf('day');
  const last = DateTime.fromSeconds(endsAt, { zone }).startOf('day');
  while (day <= last && days.length < MAX_DAYS) {
    const next = day.plus({ days: 1 }).startOf('day');
    days.push({ date: day.toFormat('yyyy-MM-dd'), startOf: Math.floor(day.toSeconds()), endOf: Math.floor(next.toSeconds()) });
    day = next;
  }
  const n = days.length;
  const out: BurndownDay[] = [];
  let added = 0;
  let removed = 0;
  let completed = 0;
  for (let d = 0; d < n; d++) {
    const { date, startOf, endOf } = days[d]!;
    while (i < rows.length && rows[i]!.at < endOf) replay.apply(rows[i++]!);
    const moved = replay.take();
    added += moved.added;
    removed += moved.removed;
    completed += moved.completed;
    const future = !slice.end && startOf > now;
    out.push({
      date,
      remaining: future ? null : replay.sum((t) => !t.done),
      ideal: round(n > 0 ? startRemaining * (1 - (d + 1) / n) : 0),
      ...moved,
    });
  }
  // rows after the last day on the axis (a sprint running past its end date) still count in the totals
  while (i < rows.length) replay.apply(rows[i++]!);
  const rest = replay.take();
  return {
    ...base,
    history: true,
    startedAt,
    endsAt,
    startScope,
    startRemaining,
    scopeAdded: round(added + rest.added),
    scopeRemoved: round(removed + rest.removed),
    completed: round(completed + rest.completed),
    remaining: replay.sum((t) => !t.done),
    days: out,
  };
}

/** Velocity: the group's completed sprints in the order they ran (start date, then id). */
export async function velocity(db: Kysely<Database>, groupId: number): Promise<Velocity> {
  const sprints = await db
    .selectFrom('scrum_entities')
    .select(['id', 'name', 'date_start'])
    .where('group_id', '=', groupId)
    .where('entity_type', '=', 'sprint')
    .where('status', '=', 'completed')
    .orderBy('date_start')
    .orderBy('id')
    .execute();
  const out: VelocitySprint[] = [];
  const history = await rowsOfSprints(db, sprints.map((s) => Number(s.id)));
  for (const s of sprints) {
    const slice = startedSlice(history.get(Number(s.id))!);
    if (!slice || !slice.end) {
      out.push({ sprintId: Number(s.id), name: s.name, history: false, committed: null, completed: null });
      continue;
    }
    const replay = new Replay();
    let committed: number | null = null;
    for (const r of slice.rows) {
      if (committed === null && r.kind !== 'baseline') committed = replay.sum(() => true);
      replay.apply(r);
    }
    if (committed === null) committed = replay.sum(() => true);
    out.push({ sprintId: Number(s.id), name: s.name, history: true, committed, completed: replay.sum((t) => t.done) });
  }
  const known = out.filter((s) => s.completed !== null);
  const average = known.length > 0 ? round(known.reduce((a, s) => a + s.completed!, 0) / known.length) : null;
  return { groupId, sprints: out, average };
}
