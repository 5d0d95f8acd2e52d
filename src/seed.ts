/**
 * `scrumd seed`: a realistic, deterministic data set for benchmarks and demos, written fast.
 *
 * Every group is a Scrum (project, Scrum master and owner user 1) with a few members, one backlog,
 * completed sprints (each with a board whose FINISH column holds its closed tasks), one active sprint
 * with a board of the three default stages (tasks spread over NEW / WORK / FINISH) and planned sprints,
 * and a few epics. The tasks are spread evenly over the groups; each has a Scrum item (sort_float
 * 1024·n within its backlog or sprint), about a third belong to an epic, some have story points and an
 * auditor.
 *
 * Rows go in as multi-row inserts through Kysely (both dialects), a few thousand tasks per transaction,
 * so memory stays flat however many tasks are asked for: only the small per-group skeleton (ids of
 * sprints, stages, epics, members) is kept, and the tasks are generated chunk by chunk.
 */
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { Store } from './store/db.js';
import type { Database, KanbanTaskStageTable, ScrumItemTable, TaskMemberTable, TaskTable } from './store/schema.js';
import { DEFAULT_STAGES } from './domain/scrum/board.js';

export interface SeedOptions {
  groups: number;
  tasks: number;
  /** Unix seconds of "today" for the sprint dates; default: now */
  now?: number;
  /** seed of the pseudo-random choices (same seed, same data set) */
  randomSeed?: number;
  /** called after every committed chunk with the tasks written so far */
  onProgress?: (tasksDone: number, tasksTotal: number) => void;
}

export interface SeedSummary {
  users: number;
  groups: number;
  sprints: number;
  stages: number;
  epics: number;
  tasks: number;
  items: number;
  boardLinks: number;
  /** ids of the first group and its entities (benchmarks address them) */
  sample: {
    groupId: number;
    backlogId: number;
    activeSprintId: number;
    plannedSprintId: number;
    stageIds: number[];
    firstTaskId: number;
    lastTaskId: number;
  };
}

/** Completed, then one active, then planned sprints per group. */
const COMPLETED_SPRINTS = 3;
const PLANNED_SPRINTS = 2;
const EPICS_PER_GROUP = 4;
const MEMBERS_PER_GROUP = 4; // besides the owner, user 1
const SPRINT_SECONDS = 14 * 86400;
/** Shares of a group's tasks: completed sprints, active sprint, planned sprints; the rest is backlog. */
const SHARE_COMPLETED = 0.3;
const SHARE_ACTIVE = 0.1;
const SHARE_PLANNED = 0.1;
/** Tasks per transaction and rows per INSERT statement (well under SQLite's 32766 variables). */
const TASKS_PER_TRANSACTION = 5000;
const ROWS_PER_INSERT = 500;
const GROUPS_PER_TRANSACTION = 200;

const STORY_POINTS = ['1', '2', '3', '5', '8', '13'];
const WORDS = [
  'login', 'checkout', 'report', 'search', 'export', 'profile', 'billing', 'dashboard', 'import', 'notifications',
  'settings', 'API', 'onboarding', 'cache', 'mobile', 'sync', 'audit log', 'permissions', 'upload', 'invoice',
];
const VERBS = ['Fix', 'Add', 'Refactor', 'Speed up', 'Test', 'Document', 'Redesign', 'Review', 'Migrate', 'Localize'];
const EPIC_NAMES = ['Payments', 'Onboarding', 'Performance', 'Mobile app', 'Reporting', 'Security'];
const EPIC_COLORS = ['#69dafc', '#fd7a5e', '#ffa900', '#9dcf00', '#2fc6f6', '#aaaaaa'];

/** mulberry32: a small, fast, seedable generator. */
/** UUID-shaped strings (version 4 layout) from a pseudo-random generator. */
function pseudoUuid(random: () => number): () => string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  return () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface StageIds {
  NEW: number;
  WORK: number;
  FINISH: number;
}

/** One backlog or sprint and how many tasks it gets. */
interface Slot {
  entityId: number;
  kind: 'backlog' | 'completed' | 'active' | 'planned';
  count: number;
  stages?: StageIds;
  /** start of the sprint (task dates are placed around it) */
  start: number;
}

interface GroupSkeleton {
  id: number;
  members: number[];
  epics: number[];
  slots: Slot[];
}

async function insertChunks<T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) await insert(rows.slice(i, i + ROWS_PER_INSERT));
}

/** The tasks of a group split over its entities by the shares above; small groups fill the backlog first. */
function splitTasks(total: number): { completed: number[]; active: number; planned: number[]; backlog: number } {
  const completedTotal = Math.floor(total * SHARE_COMPLETED);
  const active = Math.floor(total * SHARE_ACTIVE);
  const plannedTotal = Math.floor(total * SHARE_PLANNED);
  const spread = (n: number, parts: number) => Array.from({ length: parts }, (_, i) => Math.floor(n / parts) + (i < n % parts ? 1 : 0));
  return {
    completed: spread(completedTotal, COMPLETED_SPRINTS),
    active,
    planned: spread(plannedTotal, PLANNED_SPRINTS),
    backlog: total - completedTotal - active - plannedTotal,
  };
}

/** Users of the member pool: seed.user{i}@example.com, made once and reused by later seeds. */
async function memberPool(db: Kysely<Database>, size: number, now: number): Promise<number[]> {
  const emails = Array.from({ length: size }, (_, i) => `seed.user${i + 1}@example.com`);
  const rows = emails.map((email, i) => ({
    login: email,
    active: 'Y',
    is_admin: 'N',
    email_key: email,
    uf_department: '[1]',
    date_register: now,
    timestamp_x: now,
    email,
    name: ['Anna', 'Boris', 'Carla', 'Dmitri', 'Elena', 'Farid', 'Greta', 'Hugo'][i % 8]!,
    last_name: `Tester ${i + 1}`,
    work_position: i % 5 === 0 ? 'Team lead' : 'Developer',
  }));
  await insertChunks(rows, (chunk) =>
    db.insertInto('users').values(chunk).onConflict((oc) => oc.column('email_key').doNothing()).execute(),
  );
  const found = await db.selectFrom('users').select(['id', 'email_key']).where('email_key', 'in', emails).execute();
  const byEmail = new Map(found.map((r) => [r.email_key, r.id]));
  return emails.map((e) => byEmail.get(e)!);
}

/** Groups, members, backlogs, sprints, boards and epics of groups [from, to). */
async function writeSkeletons(
  db: Kysely<Database>,
  from: number,
  to: number,
  perGroup: (g: number) => number,
  pool: number[],
  now: number,
  uuid: () => string,
): Promise<GroupSkeleton[]> {
  const runTag = uuid().slice(0, 8);
  const names = Array.from({ length: to - from }, (_, i) => `Scrum team ${from + i + 1} (${runTag})`);
  const membersOf = (g: number) => [...new Set(Array.from({ length: Math.min(MEMBERS_PER_GROUP, pool.length) }, (_, k) => pool[(g * 3 + k) % pool.length]!))];
  const groupRows = names.map((name, i) => ({
    site_id: 's1',
    name,
    description: 'A Scrum team generated by scrumd seed',
    active: 'Y',
    visible: 'Y',
    opened: 'N',
    closed: 'N',
    subject_id: 1,
    owner_id: 1,
    initiate_perms: 'K',
    spam_perms: 'A',
    // the owner, one moderator and members, all active users
    number_of_members: 1 + membersOf(from + i).length,
    number_of_moderators: 2,
    date_create: now - 120 * 86400,
    date_update: now,
    date_activity: now,
    project: 'Y',
    landing: 'N',
    scrum_master_id: 1,
    scrum_owner_id: 1,
    scrum_sprint_duration: SPRINT_SECONDS,
    scrum_task_responsible: 'A',
  }));
  const groupIds = new Map<string, number>();
  await insertChunks(groupRows, async (chunk) => {
    const r = await db.insertInto('sonet_groups').values(chunk).returning(['id', 'name']).execute();
    for (const x of r) groupIds.set(x.name, x.id);
  });
  const skeletons: GroupSkeleton[] = names.map((name, i) => ({ id: groupIds.get(name)!, members: membersOf(from + i), epics: [], slots: [] }));

  const memberRows = skeletons.flatMap((s) => [
    { group_id: s.id, user_id: 1, role: 'A', initiated_by_type: 'U', initiated_by_user_id: 1, auto_member: 'N', date_create: now, date_update: now },
    ...s.members.map((u, k) => ({
      group_id: s.id,
      user_id: u,
      role: k === 0 ? 'E' : 'K',
      initiated_by_type: 'G',
      initiated_by_user_id: 1,
      auto_member: 'N',
      date_create: now,
      date_update: now,
    })),
  ]);
  await insertChunks(memberRows, (chunk) => db.insertInto('group_members').values(chunk).execute());
  // Entities: backlog (sort 0), then the sprints in time order (sort 1…).
  const activeStart = now - 5 * 86400;
  const entityRows: Insertable<Database['scrum_entities']>[] = [];
  const planned: { g: GroupSkeleton; kind: Slot['kind']; count: number; start: number; sort: number }[] = [];
  skeletons.forEach((s, i) => {
    const split = splitTasks(perGroup(from + i));
    const plan = (kind: Slot['kind'], count: number, start: number, sort: number, name: string, status: string | null) => {
      entityRows.push({
        group_id: s.id,
        entity_type: kind === 'backlog' ? 'backlog' : 'sprint',
        name,
        sort,
        created_by: 1,
        modified_by: 1,
        date_start: kind === 'backlog' ? null : start,
        date_end: kind === 'backlog' ? null : start + SPRINT_SECONDS,
        status,
        info: kind === 'backlog' ? '{}' : JSON.stringify({ sprintGoal: `Goal of ${name}` }),
      });
      planned.push({ g: s, kind, count, start, sort });
    };
    plan('backlog', split.backlog, now, 0, '', null);
    let sort = 1;
    split.completed.forEach((n, k) => {
      const start = activeStart - (COMPLETED_SPRINTS - k) * SPRINT_SECONDS;
      plan('completed', n, start, sort, `Sprint ${sort}`, 'completed');
      sort++;
    });
    plan('active', split.active, activeStart, sort, `Sprint ${sort}`, 'active');
    sort++;
    split.planned.forEach((n, k) => {
      plan('planned', n, activeStart + (k + 1) * SPRINT_SECONDS, sort, `Sprint ${sort}`, 'planned');
      sort++;
    });
  });
  const entityIds = new Map<string, number>();
  await insertChunks(entityRows, async (chunk) => {
    const r = await db.insertInto('scrum_entities').values(chunk).returning(['id', 'group_id', 'sort']).execute();
    for (const x of r) entityIds.set(`${x.group_id}:${x.sort}`, x.id);
  });
  for (const p of planned) p.g.slots.push({ entityId: entityIds.get(`${p.g.id}:${p.sort}`)!, kind: p.kind, count: p.count, start: p.start });

  // Boards: the active sprint and the completed ones get the three default stages.
  const boardSlots = skeletons.flatMap((s) => s.slots.filter((x) => x.kind === 'active' || x.kind === 'completed'));
  const stageRows = boardSlots.flatMap((slot) =>
    DEFAULT_STAGES.map((d) => ({ title: '', sort: d.sort, color: d.color, system_type: d.type, entity_id: slot.entityId, entity_type: 'A' })),
  );
  const stagesOf = new Map<number, StageIds>();
  await insertChunks(stageRows, async (chunk) => {
    const r = await db.insertInto('kanban_stages').values(chunk).returning(['id', 'entity_id', 'system_type']).execute();
    for (const x of r) {
      const st = stagesOf.get(x.entity_id) ?? { NEW: 0, WORK: 0, FINISH: 0 };
      st[x.system_type as keyof StageIds] = x.id;
      stagesOf.set(x.entity_id, st);
    }
  });
  for (const slot of boardSlots) slot.stages = stagesOf.get(slot.entityId);

  const epicRows = skeletons.flatMap((s) =>
    Array.from({ length: EPICS_PER_GROUP }, (_, k) => ({
      group_id: s.id,
      name: EPIC_NAMES[k % EPIC_NAMES.length]!,
      description: `Everything about ${EPIC_NAMES[k % EPIC_NAMES.length]!.toLowerCase()}.`,
      created_by: 1,
      modified_by: 1,
      color: EPIC_COLORS[k % EPIC_COLORS.length]!,
    })),
  );
  const byGroup = new Map(skeletons.map((s) => [s.id, s]));
  await insertChunks(epicRows, async (chunk) => {
    const r = await db.insertInto('scrum_epics').values(chunk).returning(['id', 'group_id']).execute();
    for (const x of r) byGroup.get(x.group_id)!.epics.push(x.id);
  });
  for (const s of skeletons) s.epics.sort((a, b) => a - b);
  return skeletons;
}

type TaskRow = Insertable<TaskTable>;

/** A generated task and what hangs off it, before its id is known. */
interface PendingTask {
  row: TaskRow;
  entityId: number;
  sortFloat: number;
  epicId: number;
  storyPoints: string | null;
  stageId: number;
  auditor: number | null;
}

/** Yields the tasks of every group, entity by entity, in order; nothing is held beyond the current one. */
function* generateTasks(skeletons: readonly GroupSkeleton[], random: () => number, now: number, counter: { n: number }, uuid: () => string): Generator<PendingTask> {
  for (const g of skeletons) {
    const people = [1, ...g.members];
    for (const slot of g.slots) {
      for (let n = 1; n <= slot.count; n++) {
        const i = ++counter.n;
        const r = random();
        let status = 2;
        let stageId = 0;
        if (slot.kind === 'completed') {
          status = 5;
          stageId = slot.stages!.FINISH;
        } else if (slot.kind === 'active') {
          // about half new, a third in progress, the rest done
          if (r < 0.5) stageId = slot.stages!.NEW;
          else if (r < 0.83) {
            status = 3;
            stageId = slot.stages!.WORK;
          } else {
            status = 5;
            stageId = slot.stages!.FINISH;
          }
        }
        const created = Math.min(now, slot.start - 7 * 86400 + Math.floor(random() * 10 * 86400));
        const changed = Math.min(now, created + Math.floor(random() * 5 * 86400));
        const responsible = people[Math.floor(random() * people.length)]!;
        const closed = status === 5 ? changed : null;
        const title = `${VERBS[i % VERBS.length]} ${WORDS[(i * 7) % WORDS.length]} #${i}`;
        yield {
          row: {
            title,
            description: `${title}: acceptance criteria and notes for the team.`,
            description_in_bbcode: 'Y',
            status,
            priority: random() < 0.1 ? 2 : 1,
            responsible_id: responsible,
            created_by: 1,
            changed_by: responsible,
            status_changed_by: responsible,
            closed_by: closed === null ? null : responsible,
            group_id: g.id,
            parent_id: null,
            stage_id: stageId,
            deadline: slot.kind === 'backlog' ? null : slot.start + SPRINT_SECONDS,
            start_date_plan: null,
            end_date_plan: null,
            date_start: status === 2 ? null : created,
            created_date: created,
            changed_date: changed,
            status_changed_date: changed,
            activity_date: changed,
            closed_date: closed,
            time_estimate: 0,
            task_control: 'N',
            allow_change_deadline: 'N',
            allow_time_tracking: 'N',
            match_work_time: 'N',
            add_in_report: 'N',
            multitask: 'N',
            replicate: 'N',
            mark: null,
            site_id: 's1',
            guid: `{${uuid()}}`,
            xml_id: null,
          },
          entityId: slot.entityId,
          sortFloat: 1024 * n,
          epicId: g.epics.length > 0 && random() < 0.33 ? g.epics[Math.floor(random() * g.epics.length)]! : 0,
          storyPoints: random() < 0.6 ? STORY_POINTS[Math.floor(random() * STORY_POINTS.length)]! : null,
          stageId,
          auditor: random() < 0.1 ? people[Math.floor(random() * people.length)]! : null,
        };
      }
    }
  }
}

/** Writes one transaction's worth of tasks with their items, board links and auditors. */
async function writeTasks(db: Kysely<Database>, batch: PendingTask[]): Promise<{ first: number; last: number; links: number }> {
  const ids = new Map<string, number>();
  await insertChunks(batch, async (chunk) => {
    const r = await db.insertInto('tasks').values(chunk.map((t) => t.row)).returning(['id', 'guid']).execute();
    for (const x of r) ids.set(x.guid, x.id);
  });
  const items: Insertable<ScrumItemTable>[] = [];
  const links: Insertable<KanbanTaskStageTable>[] = [];
  const members: TaskMemberTable[] = [];
  let first = Infinity;
  let last = 0;
  for (const t of batch) {
    const id = ids.get(t.row.guid)!;
    first = Math.min(first, id);
    last = Math.max(last, id);
    items.push({
      entity_id: t.entityId,
      source_id: id,
      epic_id: t.epicId,
      active: 'Y',
      sort_float: t.sortFloat,
      story_points: t.storyPoints,
      created_by: 1,
      modified_by: 1,
      info: '{}',
    });
    if (t.stageId > 0) links.push({ task_id: id, stage_id: t.stageId });
    if (t.auditor !== null) members.push({ task_id: id, user_id: t.auditor, type: 'U' });
  }
  await insertChunks(items, (chunk) => db.insertInto('scrum_items').values(chunk).execute());
  await insertChunks(links, (chunk) => db.insertInto('kanban_task_stages').values(chunk).execute());
  await insertChunks(members, (chunk) => db.insertInto('task_members').values(chunk).execute());
  return { first, last, links: links.length };
}

/**
 * Generates the data set into an open, migrated store whose portal exists (user 1). Adds to what is
 * there: running it twice gives two sets of groups (the member pool users are shared).
 */
export async function seed(store: Store, opts: SeedOptions): Promise<SeedSummary> {
  const { groups, tasks } = opts;
  if (!Number.isSafeInteger(groups) || groups < 1) throw new Error('at least one group is needed');
  if (!Number.isSafeInteger(tasks) || tasks < 0) throw new Error('the task count must be a whole number');
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const random = rng(opts.randomSeed ?? 20240601);
  // Group name tags and task GUIDs: random unless a seed is given, then drawn from a generator of their
  // own (the data set's other choices stay what they were): a given seed and `now` make the same data
  // set every time (the example fixture, examples/fixtures/, is checked against it).
  const uuid = opts.randomSeed === undefined ? () => randomUUID() : pseudoUuid(rng(opts.randomSeed ^ 0x5eed5eed));
  const { db } = store;
  // A bulk load: durability per chunk is not needed (a crash means seeding again). These settings are
  // the connection's only (nothing of them is kept in the file), but the connection may be a serving
  // process's (synchronous NORMAL under group commit, FULL with several processes): what it had is
  // given back afterwards, not what seeding guesses it should be.
  const settings = store.dialect === 'sqlite' ? await bulkLoadSettings(db) : undefined;
  try {
    const perGroup = (g: number) => Math.floor(tasks / groups) + (g < tasks % groups ? 1 : 0);
    const poolSize = Math.min(500, Math.max(MEMBERS_PER_GROUP * 2, groups * 2));
    const pool = await db.transaction().execute((trx) => memberPool(trx, poolSize, now));

    const summary: SeedSummary = {
      users: pool.length,
      groups: 0,
      sprints: 0,
      stages: 0,
      epics: 0,
      tasks: 0,
      items: 0,
      boardLinks: 0,
      sample: { groupId: 0, backlogId: 0, activeSprintId: 0, plannedSprintId: 0, stageIds: [], firstTaskId: 0, lastTaskId: 0 },
    };
    const counter = { n: 0 };
    opts.onProgress?.(0, tasks);
    for (let from = 0; from < groups; from += GROUPS_PER_TRANSACTION) {
      const to = Math.min(groups, from + GROUPS_PER_TRANSACTION);
      const skeletons = await db.transaction().execute((trx) => writeSkeletons(trx, from, to, perGroup, pool, now, uuid));
      summary.groups += skeletons.length;
      for (const s of skeletons) {
        summary.sprints += s.slots.length - 1;
        summary.stages += s.slots.filter((x) => x.stages).length * DEFAULT_STAGES.length;
        summary.epics += s.epics.length;
      }
      if (from === 0) {
        const s = skeletons[0]!;
        const active = s.slots.find((x) => x.kind === 'active')!;
        summary.sample.groupId = s.id;
        summary.sample.backlogId = s.slots.find((x) => x.kind === 'backlog')!.entityId;
        summary.sample.activeSprintId = active.entityId;
        summary.sample.plannedSprintId = s.slots.find((x) => x.kind === 'planned')!.entityId;
        summary.sample.stageIds = active.stages ? [active.stages.NEW, active.stages.WORK, active.stages.FINISH] : [];
      }
      let batch: PendingTask[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const pending = batch;
        batch = [];
        const r = await db.transaction().execute((trx) => writeTasks(trx, pending));
        summary.tasks += pending.length;
        summary.items += pending.length;
        summary.boardLinks += r.links;
        if (summary.sample.firstTaskId === 0) summary.sample.firstTaskId = r.first;
        summary.sample.lastTaskId = Math.max(summary.sample.lastTaskId, r.last);
        opts.onProgress?.(summary.tasks, tasks);
      };
      for (const t of generateTasks(skeletons, random, now, counter, uuid)) {
        batch.push(t);
        if (batch.length >= TASKS_PER_TRANSACTION) await flush();
      }
      await flush();
    }
    return summary;
  } finally {
    await settings?.restore();
  }
}

/** Sets a SQLite connection up for a bulk load; `restore` gives it back its settings as they were. */
async function bulkLoadSettings(db: Kysely<Database>): Promise<{ restore(): Promise<void> }> {
  const synchronous = (await sql<{ synchronous: number }>`pragma synchronous`.execute(db)).rows[0]!.synchronous;
  const cacheSize = (await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows[0]!.cache_size;
  await sql`pragma synchronous = off`.execute(db);
  await sql`pragma cache_size = -65536`.execute(db);
  return {
    async restore() {
      // integers read from the connection itself: safe to write back as literals
      await sql`pragma synchronous = ${sql.lit(Number(synchronous))}`.execute(db);
      await sql`pragma cache_size = ${sql.lit(Number(cacheSize))}`.execute(db);
    },
  };
}
