/**
 * `npm run bench`: scrumd against a bare node:http baseline, in one run, on this machine.
 *
 * 1. starts the baseline (bench/baseline.mjs: a fixed small JSON answer) and measures it;
 * 2. seeds a data set into a SQLite file in a temp folder with the compiled CLI (`dist/cli.js seed`),
 *    starts the compiled server on it (`dist/cli.js serve`, as `npm start` runs it) and measures the
 *    time from process start to the first successful answer, then each scenario with autocannon;
 *    `sprint.update` is measured between two runs of the floor's durable write (bench/floor.mjs, on a
 *    copy of the same data, started beside scrumd and idle otherwise) and its target is a ratio of them;
 * 3. with BENCH_LARGE=1, does the same for the list and get methods on a 1,000,000-task data set (the
 *    page of every field at one connection for its p99 target, and at BENCH_CONNECTIONS for req/s);
 * 4. prints the table and writes it into docs/BENCHMARKS.md (its section only; BENCH_WRITE=0: don't).
 *    A BENCH_ONLY run writes nothing unless BENCH_WRITE=1, and then only the `partial` section.
 *
 * Every request goes to 127.0.0.1. Every load run is bounded in time (BENCH_DURATION seconds after a
 * one-second warm-up) and connections (BENCH_CONNECTIONS). Every process started here preloads
 * bench/watchdog.mjs, so it ends by itself if this runner dies, and is stopped when the runner ends.
 * `npm run bench` builds dist/ first.
 */
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeTable, measureDecoding } from './decode.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli.js');
const WATCHDOG = pathToFileURL(join(ROOT, 'bench', 'watchdog.mjs')).href;
const DOC = join(ROOT, 'docs', 'BENCHMARKS.md');

const env = process.env;
const DURATION = Number(env.BENCH_DURATION ?? 5);
const WARMUP = 1;
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 10);
const LARGE = env.BENCH_LARGE === '1';
const ROUTINE_SET = { groups: Number(env.BENCH_GROUPS ?? 50), tasks: Number(env.BENCH_TASKS ?? 50_000) };
const LARGE_SET = { groups: 200, tasks: 1_000_000 };
/** BENCH_ONLY=sprint.get,batch: only the scenarios whose names contain one of these (written to the doc's `partial` section with BENCH_WRITE=1 only) */
const ONLY = env.BENCH_ONLY ? env.BENCH_ONLY.split(',').filter((s) => s !== '') : undefined;
const skipped = (s: Scenario) => ONLY !== undefined && !ONLY.some((o) => s.name.includes(o));
const SECRET = 'bench';
const HOST = '127.0.0.1';

const TARGETS = {
  /** of the baseline's req/s (measured just before and after) */
  sprintGetRatio: 0.5,
  /** of the floor's durable write transaction req/s (measured just before and after, same run) */
  sprintUpdateFloorRatio: 0.6,
  batchP50: 25,
  /** the other list and get calls at 1,000,000 tasks, at BENCH_CONNECTIONS */
  largeP99: 20,
  /** the list page of every field at 1,000,000 tasks, at ONE connection (its req/s at BENCH_CONNECTIONS reported) */
  everyFieldP99: 20,
  rssMb: 200,
  startupMs: 1500,
};

// ---------------------------------------------------------------------------------------------
// processes

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(130));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, HOST, () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function startChild(args: string[]): ChildProcess {
  // BENCH_CPU_PROF=dir: each server writes a V8 CPU profile there when it stops (node --cpu-prof)
  const prof = env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', env.BENCH_CPU_PROF] : [];
  const child = spawn(process.execPath, [...prof, '--import', WATCHDOG, ...args], { stdio: ['ignore', 'ignore', 'inherit'], cwd: ROOT });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Polls until the URL answers HTTP 200 with a `result`; returns the milliseconds since `t0`. */
async function firstAnswer(url: string, t0: number, child: ChildProcess): Promise<number> {
  const deadline = t0 + 30_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode}`);
    try {
      const r = await fetch(url);
      if (r.status === 200 && 'result' in ((await r.json()) as object)) return performance.now() - t0;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`no answer from ${url} within 30 s`);
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is field 3, utime 14 and stime 15 → indexes 11 and 12 here
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Peak and current resident set size of a process, in MB of 10^6 bytes (Linux /proc gives KiB). */
function memoryOf(pid: number): { peakMb: number; rssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { peakMb: (kib('VmHWM') * 1024) / 1e6, rssMb: (kib('VmRSS') * 1024) / 1e6 };
}

// ---------------------------------------------------------------------------------------------
// load

interface Shot {
  method: 'GET' | 'POST';
  path: string;
  body?: string;
}

interface Scenario {
  name: string;
  /** a new request for every call (random ids), or always the same one */
  shot: () => Shot;
  /** checks one answer before the load: a scenario that only measures errors is worthless */
  check: (status: number, body: any) => boolean;
  /** rpsRatio: of the baseline's req/s; floorRatio: of the floor's durable write req/s (bench/floor.mjs) */
  target?: { kind: 'rpsRatio' | 'floorRatio' | 'p50' | 'p99'; value: number };
  connections?: number;
}

interface Measured {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  connections: number;
  requests: number;
  failures: number;
  target?: Scenario['target'];
  /** the server's peak RSS (VmHWM) after this scenario, MiB */
  peakMb?: number;
  /** the server's CPU time (user + system) per answered request, µs */
  cpuUs?: number;
  /** for a ratio target: the baseline's req/s measured just before and just after this scenario */
  adjacentBaseline?: [number, number];
  /** for a floor ratio target: the floor's durable write req/s measured just before and just after this scenario */
  adjacentFloor?: [number, number];
}

/** A new object every time: autocannon adds its own headers (content-length) to the one it is given. */
const jsonHeaders = (): Record<string, string> => ({ 'content-type': 'application/json' });

interface LoadResult {
  result: autocannon.Result;
  /** latencies of the 2xx answers in ms, sub-millisecond (autocannon's own histogram keeps whole ms) */
  latencies: Float64Array;
  count: number;
}

function load(origin: string, scenario: Scenario, seconds: number): Promise<LoadResult> {
  const connections = scenario.connections ?? CONNECTIONS;
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: origin,
        connections,
        duration: seconds,
        // autocannon calls this for every request it sends
        requests: [
          {
            setupRequest: (req: any) => {
              const s = scenario.shot();
              return { ...req, method: s.method, path: s.path, body: s.body, headers: s.body ? jsonHeaders() : {} };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve({ result, latencies, count })),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status < 200 || status > 299) return;
      if (count === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[count++] = ms;
    });
  });
}

/** The q-quantile (0…1) of the first `count` values, nearest rank. */
function quantile(values: Float64Array, count: number, q: number): number {
  if (count === 0) return NaN;
  const sorted = values.slice(0, count).sort();
  return sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))]!;
}

async function measure(origin: string, scenario: Scenario, pid?: number): Promise<Measured> {
  const sample = scenario.shot();
  const res = await fetch(origin + sample.path, { method: sample.method, body: sample.body, headers: sample.body ? jsonHeaders() : {} });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!scenario.check(res.status, body)) throw new Error(`${scenario.name}: unexpected answer ${res.status} ${text.slice(0, 300)}`);
  await load(origin, scenario, WARMUP);
  const cpuBefore = pid === undefined ? 0 : cpuSecondsOf(pid);
  const { result: r, latencies, count } = await load(origin, scenario, DURATION);
  const cpuUs = pid === undefined || r.requests.total === 0 ? undefined : ((cpuSecondsOf(pid) - cpuBefore) * 1e6) / r.requests.total;
  const m: Measured = {
    name: scenario.name,
    rps: r.requests.total / DURATION,
    p50: quantile(latencies, count, 0.5),
    p99: quantile(latencies, count, 0.99),
    connections: scenario.connections ?? CONNECTIONS,
    requests: r.requests.total,
    failures: r.non2xx + r.errors + r.timeouts,
    target: scenario.target,
    peakMb: pid === undefined ? undefined : memoryOf(pid).peakMb,
    cpuUs,
  };
  console.error(`  ${m.name.padEnd(36)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms${m.failures ? `  failures ${m.failures}` : ''}${m.cpuUs ? `  CPU ${m.cpuUs.toFixed(0)} µs/req` : ''}${m.peakMb ? `  peak RSS ${m.peakMb.toFixed(0)} MB` : ''}`);
  return m;
}

// ---------------------------------------------------------------------------------------------
// data sets

interface SeedSummary {
  groups: number;
  tasks: number;
  sample: { groupId: number; activeSprintId: number; stageIds: number[] };
  seconds: number;
}

function seedDatabase(file: string, set: { groups: number; tasks: number }): SeedSummary {
  const out = execFileSync(process.execPath, [CLI, 'seed', '--groups', String(set.groups), '--tasks', String(set.tasks), '--database', file], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 15 * 60_000,
  });
  return JSON.parse(out) as SeedSummary;
}

/** Ids the scenarios pick from at random, read from the seeded file. */
interface Ids {
  groups: number[];
  sprints: number[];
  plannedSprints: number[];
  tasks: number[];
  /** a task of an active sprint with its sprint and that board's stages */
  boardTasks: { taskId: number; sprintId: number; stages: number[] }[];
}

function readIds(file: string): Ids {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const col = (q: string) => db.prepare(q).pluck().all() as number[];
    const stagesOf = new Map<number, number[]>();
    for (const s of db.prepare("select id, entity_id from kanban_stages where entity_type = 'A' order by sort").all() as { id: number; entity_id: number }[]) {
      stagesOf.set(s.entity_id, [...(stagesOf.get(s.entity_id) ?? []), s.id]);
    }
    const boardTasks = (
      db
        .prepare(
          "select i.source_id taskId, e.id sprintId from scrum_items i join scrum_entities e on e.id = i.entity_id where e.status = 'active' order by random() limit 2000",
        )
        .all() as { taskId: number; sprintId: number }[]
    ).map((r) => ({ ...r, stages: stagesOf.get(r.sprintId) ?? [] }));
    return {
      groups: col("select distinct group_id from scrum_entities where entity_type = 'backlog'"),
      sprints: col("select id from scrum_entities where entity_type = 'sprint'"),
      plannedSprints: col("select id from scrum_entities where status = 'planned'"),
      tasks: col('select id from tasks order by random() limit 20000'),
      boardTasks,
    };
  } finally {
    db.close();
  }
}

const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const rest = (method: string) => `/rest/1/${SECRET}/${method}`;
const get = (method: string, query = ''): Shot => ({ method: 'GET', path: rest(method) + (query ? `?${query}` : '') });
const post = (method: string, params: unknown): Shot => ({ method: 'POST', path: rest(method), body: JSON.stringify(params) });
const ok = (status: number) => status === 200;
const isObject = (v: unknown) => typeof v === 'object' && v !== null;

function routineScenarios(ids: Ids): Scenario[] {
  let n = 0;
  return [
    {
      name: 'tasks.api.scrum.sprint.get',
      shot: () => get('tasks.api.scrum.sprint.get', `id=${pick(ids.sprints)}`),
      check: (s, b) => ok(s) && isObject(b?.result) && b.result.id > 0,
      target: { kind: 'rpsRatio', value: TARGETS.sprintGetRatio },
    },
    {
      name: 'tasks.api.scrum.sprint.update',
      shot: () => post('tasks.api.scrum.sprint.update', { id: pick(ids.plannedSprints), fields: { name: `Planned sprint ${++n % 1000}` } }),
      check: (s, b) => ok(s) && b?.result?.status === 'planned',
      target: { kind: 'floorRatio', value: TARGETS.sprintUpdateFloorRatio },
    },
    {
      name: 'tasks.api.scrum.sprint.list',
      shot: () => get('tasks.api.scrum.sprint.list', `filter[GROUP_ID]=${pick(ids.groups)}`),
      check: (s, b) => ok(s) && Array.isArray(b?.result) && b.result.length > 0,
    },
    {
      name: 'tasks.api.scrum.task.update',
      shot: () => post('tasks.api.scrum.task.update', { id: pick(ids.tasks), fields: { storyPoints: String(1 + (++n % 13)) } }),
      check: (s, b) => ok(s) && b?.result === true,
    },
    {
      name: 'tasks.api.scrum.kanban.addTask',
      shot: () => {
        const t = pick(ids.boardTasks);
        return post('tasks.api.scrum.kanban.addTask', { sprintId: t.sprintId, taskId: t.taskId, stageId: pick(t.stages) });
      },
      check: (s, b) => ok(s) && b?.result === true,
    },
    {
      name: 'batch (50 commands)',
      shot: () => {
        const cmd: Record<string, string> = {};
        for (let i = 0; i < 50; i++) {
          const k = i % 5;
          if (k === 0) cmd[`c${i}`] = `tasks.api.scrum.sprint.get?id=${pick(ids.sprints)}`;
          else if (k === 1) cmd[`c${i}`] = `tasks.api.scrum.kanban.getStages?sprintId=${pick(ids.boardTasks).sprintId}`;
          else cmd[`c${i}`] = `tasks.api.scrum.task.get?id=${pick(ids.tasks)}`;
        }
        return post('batch', { halt: 0, cmd });
      },
      check: (s, b) => ok(s) && Object.keys(b?.result?.result ?? {}).length === 50 && (Array.isArray(b.result.result_error) || Object.keys(b.result.result_error).length === 0),
      target: { kind: 'p50', value: TARGETS.batchP50 },
    },
  ];
}

function largeScenarios(ids: Ids): Scenario[] {
  const p99 = { kind: 'p99', value: TARGETS.largeP99 } as const;
  return [
    {
      name: 'tasks.task.list (a group, 1st page)',
      shot: () => get('tasks.task.list', `filter[GROUP_ID]=${pick(ids.groups)}&select[]=ID&select[]=TITLE&select[]=STATUS&select[]=RESPONSIBLE_ID`),
      check: (s, b) => ok(s) && b?.result?.tasks?.length === 50 && b.total > 50,
      target: p99,
    },
    // one connection for its latency: with several, p99 measures mostly the wait behind the others on
    // the one event loop (about connections × the service time); its throughput at BENCH_CONNECTIONS
    {
      name: 'tasks.task.list (a group, every field)',
      shot: () => get('tasks.task.list', `filter[GROUP_ID]=${pick(ids.groups)}`),
      check: (s, b) => ok(s) && b?.result?.tasks?.length === 50 && b.total > 50,
      target: { kind: 'p99', value: TARGETS.everyFieldP99 },
      connections: 1,
    },
    {
      name: 'tasks.task.list (a group, every field)',
      shot: () => get('tasks.task.list', `filter[GROUP_ID]=${pick(ids.groups)}`),
      check: (s, b) => ok(s) && b?.result?.tasks?.length === 50 && b.total > 50,
    },
    {
      name: 'tasks.task.list (all, page 100)',
      shot: () => get('tasks.task.list', `select[]=ID&select[]=TITLE&start=${5000 + Math.floor(Math.random() * 100) * 50}`),
      check: (s, b) => ok(s) && b?.result?.tasks?.length === 50 && b.total >= 1_000_000,
      target: p99,
    },
    {
      name: 'tasks.task.get',
      shot: () => get('tasks.task.get', `taskId=${pick(ids.tasks)}`),
      check: (s, b) => ok(s) && isObject(b?.result?.task),
      target: p99,
    },
    {
      name: 'tasks.api.scrum.task.get',
      shot: () => get('tasks.api.scrum.task.get', `id=${pick(ids.tasks)}`),
      check: (s, b) => ok(s) && b?.result?.entityId > 0,
      target: p99,
    },
    {
      name: 'tasks.api.scrum.sprint.list',
      shot: () => get('tasks.api.scrum.sprint.list', `filter[GROUP_ID]=${pick(ids.groups)}`),
      check: (s, b) => ok(s) && Array.isArray(b?.result) && b.result.length > 0,
      target: p99,
    },
    {
      name: 'tasks.api.scrum.sprint.get',
      shot: () => get('tasks.api.scrum.sprint.get', `id=${pick(ids.sprints)}`),
      check: (s, b) => ok(s) && b?.result?.id > 0,
      target: p99,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// a phase: seed, start, measure, stop

interface Phase {
  title: string;
  /** the 1/5/15-minute load averages when the phase started */
  load: number[];
  set: SeedSummary;
  startupMs: number;
  peakMb: number;
  rows: Measured[];
  /** the floor server's rows (bench/floor.mjs): references, not scrumd */
  floor: Measured[];
}

/** The floor's calls, beside the scrumd calls they correspond to. */
function floorScenarios(ids: Ids): Scenario[] {
  let n = 0;
  return [
    {
      name: 'floor: 3 point reads (as sprint.get)',
      shot: () => ({ method: 'GET', path: `/read?id=${pick(ids.sprints)}` }),
      check: (s, b) => ok(s) && b?.result?.id > 0,
    },
    {
      name: 'floor: durable write transaction (as sprint.update)',
      shot: () => ({ method: 'POST', path: '/write', body: JSON.stringify({ id: pick(ids.plannedSprints), fields: { name: `Planned sprint ${++n % 1000}` } }) }),
      check: (s, b) => ok(s) && b?.result?.status === 'planned',
    },
  ];
}

/** The floor server (bench/floor.mjs), on its own copy of the data set. */
interface Floor {
  origin: string;
  child: ChildProcess;
  /** its durable write transaction, what a floor ratio target is taken of */
  write: Scenario;
}

/** Starts the floor server on a copy of the seeded file (made before scrumd writes to it). */
async function startFloor(dir: string, file: string, ids: Ids): Promise<Floor> {
  const copy = join(dir, 'floor.db');
  copyFileSync(file, copy);
  const port = await freePort();
  const child = startChild([join(ROOT, 'bench', 'floor.mjs'), String(port), copy]);
  const origin = `http://${HOST}:${port}`;
  await firstAnswer(`${origin}/read?id=${ids.sprints[0]}`, performance.now(), child);
  return { origin, child, write: floorScenarios(ids)[1]! };
}

/** Measures the floor's reference rows, each between two baseline runs. */
async function measureFloor(floor: Floor, ids: Ids, baseline: Baseline): Promise<Measured[]> {
  const rows: Measured[] = [];
  for (const s of floorScenarios(ids)) {
    if (skipped(s)) continue;
    rows.push(await betweenBaselines(baseline, () => measure(floor.origin, s, floor.child.pid)));
  }
  return rows;
}

/**
 * A scenario whose target is a ratio of the floor's durable write: the floor is measured just before
 * and just after it, in the same run, so that both sides see the same machine.
 */
async function betweenFloors(floor: Floor, scenario: () => Promise<Measured>): Promise<Measured> {
  const before = await measure(floor.origin, floor.write, floor.child.pid);
  const m = await scenario();
  const after = await measure(floor.origin, floor.write, floor.child.pid);
  return { ...m, adjacentFloor: [before.rps, after.rps] };
}

async function scrumdPhase(
  dir: string,
  title: string,
  set: { groups: number; tasks: number },
  scenarios: (ids: Ids) => Scenario[],
  baseline: Baseline,
  withFloor = false,
): Promise<Phase> {
  const load = os.loadavg();
  const file = join(dir, `${set.tasks}.db`);
  console.error(`seeding ${set.groups} groups, ${set.tasks} tasks …`);
  const seeded = seedDatabase(file, set);
  console.error(`  seeded in ${seeded.seconds.toFixed(1)} s`);
  const ids = readIds(file);
  const list = scenarios(ids).filter((s) => !skipped(s));
  const needsFloor = list.some((s) => s.target?.kind === 'floorRatio');
  if (needsFloor && !withFloor) throw new Error(`${title}: a floor ratio target without the floor`);
  const floor = withFloor && (needsFloor || floorScenarios(ids).some((s) => !skipped(s))) ? await startFloor(dir, file, ids) : undefined;
  const port = await freePort();
  const origin = `http://${HOST}:${port}`;
  const t0 = performance.now();
  const child = startChild([CLI, 'serve', '--host', HOST, '--port', String(port), '--database', file, '--webhook-secret', SECRET]);
  try {
    const startupMs = await firstAnswer(`${origin}${rest('server.time')}`, t0, child);
    console.error(`scrumd (${title}) answered ${startupMs.toFixed(0)} ms after start`);
    const rows: Measured[] = [];
    for (const s of list) {
      const run = () => measure(origin, s, child.pid);
      if (s.target?.kind === 'rpsRatio') rows.push(await betweenBaselines(baseline, run));
      else if (s.target?.kind === 'floorRatio') rows.push(await betweenFloors(floor!, run));
      else rows.push(await run());
    }
    const { peakMb } = memoryOf(child.pid!);
    await stopChild(child);
    const floorRows = floor ? await measureFloor(floor, ids, baseline) : [];
    return { title, load, set: seeded, startupMs, peakMb, rows, floor: floorRows };
  } finally {
    await stopChild(child);
    if (floor) await stopChild(floor.child);
  }
}

// ---------------------------------------------------------------------------------------------
// report

const fmt = (n: number, digits = 0) => n.toFixed(digits);
const ratio = (a: number, b: number) => (b > 0 ? `${((a / b) * 100).toFixed(0)} %` : '–');

/** A row's target and whether it was met; a ratio target is taken of `reference` (baseline or floor req/s). */
function targetOf(m: Measured, reference = 0): { text: string; met: boolean | undefined } {
  const t = m.target;
  if (!t) return { text: '', met: undefined };
  const pct = Math.round(t.value * 100);
  const met = reference > 0 ? m.rps / reference >= t.value : undefined;
  if (t.kind === 'rpsRatio') return { text: `≥ ${pct} % of baseline req/s`, met };
  if (t.kind === 'floorRatio') return { text: `≥ ${pct} % of the floor's durable write req/s: ${ratio(m.rps, reference)} ²`, met };
  const at = m.connections === 1 ? ' at 1 connection' : '';
  if (t.kind === 'p50') return { text: `p50 ≤ ${t.value} ms${at}`, met: m.p50 <= t.value };
  return { text: `p99 ≤ ${t.value} ms${at}`, met: m.p99 <= t.value };
}

const mark = (met: boolean | undefined) => (met === undefined ? '' : met ? '✅' : '❌');

function table(phase: Phase, base: Measured): string {
  const lines = [
    `| scenario | conns | req/s | vs baseline | p50 ms | vs baseline | p99 ms | vs baseline | failures | server CPU µs/req | peak RSS MB | target | met |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|:-:|`,
    `| baseline (bare node:http, fixed JSON) | ${base.connections} | ${fmt(base.rps)} | 100 % | ${fmt(base.p50, 2)} | 1.0× | ${fmt(base.p99, 2)} | 1.0× | ${base.failures} | ${base.cpuUs === undefined ? '' : fmt(base.cpuUs)} | | | |`,
  ];
  const adjacent: string[] = [];
  /** the baseline req/s a row's ratio is taken of: its own adjacent runs where it has them */
  const baseRpsOf = (m: Measured): number => {
    if (!m.adjacentBaseline) return base.rps;
    adjacent.push(`${m.name}: ${fmt(m.adjacentBaseline[0])} before, ${fmt(m.adjacentBaseline[1])} after`);
    return (m.adjacentBaseline[0] + m.adjacentBaseline[1]) / 2;
  };
  const adjacentFloor: string[] = [];
  for (const m of phase.rows) {
    const baseRps = baseRpsOf(m);
    let t = targetOf(m, baseRps);
    if (m.adjacentFloor) {
      adjacentFloor.push(`${m.name}: ${fmt(m.adjacentFloor[0])} before, ${fmt(m.adjacentFloor[1])} after`);
      t = targetOf(m, (m.adjacentFloor[0] + m.adjacentFloor[1]) / 2);
    }
    // a row at another number of connections than the baseline is not compared with it
    const same = m.connections === base.connections;
    const x = (a: number, b: number) => (!same ? '' : b > 0 ? `${(a / b).toFixed(1)}×` : '–');
    const vsRps = same ? `${ratio(m.rps, baseRps)}${m.adjacentBaseline ? ' ¹' : ''}` : '';
    lines.push(
      `| ${m.name} | ${m.connections} | ${fmt(m.rps)} | ${vsRps} | ${fmt(m.p50, 2)} | ${x(m.p50, base.p50)} | ${fmt(m.p99, 2)} | ${x(m.p99, base.p99)} | ${m.failures} | ${m.cpuUs === undefined ? '' : fmt(m.cpuUs)} | ${m.peakMb === undefined ? '' : fmt(m.peakMb)} | ${t.text} | ${mark(t.met)} |`,
    );
  }
  for (const m of phase.floor) {
    const baseRps = baseRpsOf(m);
    lines.push(
      `| *${m.name}* | ${m.connections} | ${fmt(m.rps)} | ${ratio(m.rps, baseRps)}${m.adjacentBaseline ? ' ¹' : ''} | ${fmt(m.p50, 2)} | | ${fmt(m.p99, 2)} | | ${m.failures} | ${m.cpuUs === undefined ? '' : fmt(m.cpuUs)} | | reference: bench/floor.mjs | |`,
    );
  }
  if (adjacent.length > 0) {
    lines.push('');
    lines.push(`¹ of the mean of the baseline runs just before and just after the scenario (req/s): ${adjacent.join('; ')}.`);
  }
  if (adjacentFloor.length > 0) {
    lines.push('');
    lines.push(
      `² of the mean of the floor's durable write transaction (bench/floor.mjs) run just before and just after the scenario, in this run (req/s): ${adjacentFloor.join('; ')}.`,
    );
  }
  const rssMet = phase.peakMb <= TARGETS.rssMb;
  const startMet = phase.startupMs <= TARGETS.startupMs;
  lines.push('');
  lines.push(`| process | value | target | met |`);
  lines.push(`|---|---:|---|:-:|`);
  lines.push(`| scrumd peak RSS (VmHWM) over the phase | ${fmt(phase.peakMb)} MB | ≤ ${TARGETS.rssMb} MB | ${mark(rssMet)} |`);
  lines.push(`| process start → first successful answer | ${fmt(phase.startupMs)} ms | ≤ ${TARGETS.startupMs} ms | ${mark(startMet)} |`);
  return lines.join('\n');
}

function machine(phase: Phase): string {
  const cpus = os.cpus();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    // not a git checkout
  }
  return [
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commit}`,
    `- machine: ${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; load average when the phase started ${phase.load.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared)`,
    `- autocannon in the runner process, ${DURATION} s per scenario after a ${WARMUP} s warm-up; scrumd compiled (dist/), SQLite file in a temp folder, default settings (one process: WAL with group commit, log level warn)`,
    ...(env.BENCH_NOTE ? [`- note: ${env.BENCH_NOTE}`] : []),
  ].join('\n');
}

function section(phase: Phase, base: Measured, level = '###'): string {
  return [
    `${level} ${phase.title}`,
    '',
    machine(phase),
    `- data set: ${phase.set.groups} Scrum groups, ${phase.set.tasks.toLocaleString('en')} tasks (seeded in ${phase.set.seconds.toFixed(1)} s)`,
    '',
    table(phase, base),
  ].join('\n');
}

function writeDoc(key: 'routine' | 'large' | 'decode' | 'partial' | 'journal' | 'restore' | 'events', text: string): void {
  const start = `<!-- bench:${key}:start -->`;
  const end = `<!-- bench:${key}:end -->`;
  const block = `${start}\n${text}\n${end}`;
  let doc = existsSync(DOC) ? readFileSync(DOC, 'utf8') : '';
  if (doc.includes(start) && doc.includes(end)) {
    doc = doc.slice(0, doc.indexOf(start)) + block + doc.slice(doc.indexOf(end) + end.length);
  } else {
    doc = `${doc.trimEnd()}\n\n${block}\n`;
  }
  writeFileSync(DOC, doc);
}

// ---------------------------------------------------------------------------------------------

/** Starts the baseline server, measures it, stops it. */
const BASELINE: Scenario = { name: 'baseline', shot: () => ({ method: 'GET', path: '/' }), check: (s, b) => ok(s) && isObject(b?.result) };

/** The baseline server, started once per phase; idle while the others are measured. */
interface Baseline {
  origin: string;
  child: ChildProcess;
}

async function startBaseline(): Promise<Baseline> {
  const port = await freePort();
  const child = startChild([join(ROOT, 'bench', 'baseline.mjs'), String(port)]);
  await firstAnswer(`http://${HOST}:${port}/`, performance.now(), child);
  return { origin: `http://${HOST}:${port}`, child };
}

const measureBaseline = (b: Baseline) => measure(b.origin, BASELINE, b.child.pid);

/**
 * A ratio compares two runs: the baseline is measured just before and just after the scenario, so
 * that a machine that gets busier or quieter meanwhile moves both sides alike.
 */
async function betweenBaselines(b: Baseline, scenario: () => Promise<Measured>): Promise<Measured> {
  const before = await measureBaseline(b);
  const m = await scenario();
  const after = await measureBaseline(b);
  return { ...m, adjacentBaseline: [before.rps, after.rps] };
}

/** The commit checked out (for the journal and restore sections). */
function commitId(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/**
 * BENCH_JOURNAL=1: the cost of the request journal (issue 14): sprint.get on a server with the journal
 * on (default size) against one with `--journal-size 0`. Both servers run at once, each on its own copy
 * of the same seeded file, and are warmed up before anything counts; then they are measured in turns,
 * off-on, on-off, off-on, … (BENCH_JOURNAL_ROUNDS pairs, 4), so that neither side always runs first
 * or always gets the fresher (or busier) machine: an earlier version started the "off" server first
 * each time, fresh, and measured it before the "on" one, and "on" came out faster than "off". Reports
 * req/s and the server's CPU µs per request (which depends far less on the rest of the machine) of
 * each side and their ratios; written to docs/BENCHMARKS.md (section `journal`) unless BENCH_WRITE=0.
 */
async function journalCost(dir: string): Promise<void> {
  const seeded = join(dir, 'journal.db');
  const seed = seedDatabase(seeded, ROUTINE_SET);
  const ids = readIds(seeded);
  const scenario = { ...routineScenarios(ids).find((s) => s.name === 'tasks.api.scrum.sprint.get')!, target: undefined };
  const load0 = os.loadavg();
  const servers: Record<'on' | 'off', { origin: string; child: ChildProcess }> = Object.create(null);
  for (const mode of ['off', 'on'] as const) {
    const file = join(dir, `journal-${mode}.db`);
    copyFileSync(seeded, file);
    const port = await freePort();
    const origin = `http://${HOST}:${port}`;
    const args = [CLI, 'serve', '--host', HOST, '--port', String(port), '--database', file, '--webhook-secret', SECRET];
    const child = startChild(mode === 'off' ? [...args, '--journal-size', '0'] : args);
    await firstAnswer(`${origin}${rest('server.time')}`, performance.now(), child);
    servers[mode] = { origin, child };
  }
  const rounds = Number(env.BENCH_JOURNAL_ROUNDS ?? 4);
  const got: Record<'on' | 'off', Measured[]> = { on: [], off: [] };
  try {
    // warm-up of both (not counted): the JIT and the remembered reads of each server settle
    for (const mode of ['off', 'on'] as const) await measure(servers[mode].origin, scenario, servers[mode].child.pid);
    for (let i = 0; i < rounds; i++) {
      for (const mode of i % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const m = await measure(servers[mode].origin, scenario, servers[mode].child.pid);
        got[mode].push(m);
        console.error(`journal ${mode}: ${fmt(m.rps)} req/s, ${m.cpuUs?.toFixed(0)} µs CPU/req`);
      }
    }
  } finally {
    for (const mode of ['off', 'on'] as const) if (servers[mode]) await stopChild(servers[mode].child);
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rps = (mode: 'on' | 'off') => mean(got[mode].map((m) => m.rps));
  const cpu = (mode: 'on' | 'off') => mean(got[mode].map((m) => m.cpuUs ?? 0));
  const r = rps('on') / rps('off');
  const c = cpu('on') / cpu('off');
  const runs = (mode: 'on' | 'off') => got[mode].map((m) => `${fmt(m.rps)} (${m.cpuUs?.toFixed(0)} µs)`).join(', ');
  const text = [
    '### Request journal: on (default size, 1,000) against off (`--journal-size 0`), `sprint.get`',
    '',
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commitId()}`,
    `- machine: ${os.cpus().length} cores, Node ${process.version}; load average when it started ${load0.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared)`,
    `- both servers running at once on copies of one data set (${seed.groups} groups, ${seed.tasks} tasks), warmed up, then measured in turns off-on, on-off, … (${rounds} pairs, ${DURATION} s each, ${CONNECTIONS} connections)`,
    ...(env.BENCH_NOTE ? [`- note: ${env.BENCH_NOTE}`] : []),
    '',
    '| journal | req/s (mean) | server CPU µs/req (mean) | runs: req/s (CPU µs/req) |',
    '|---|---:|---:|---|',
    `| off | ${fmt(rps('off'))} | ${cpu('off').toFixed(0)} | ${runs('off')} |`,
    `| on | ${fmt(rps('on'))} | ${cpu('on').toFixed(0)} | ${runs('on')} |`,
    '',
    `On: ${(r * 100).toFixed(1)} % of off's requests/s (target ≥ 95 %) ${mark(r >= 0.95)}; CPU per request ${((c - 1) * 100).toFixed(1)} % ${c >= 1 ? 'more' : 'less'} than off.`,
  ].join('\n');
  console.log(`\n${text}\n`);
  if (env.BENCH_WRITE !== '0') writeDoc('journal', text);
}

/**
 * BENCH_RESTORE=1: restoring a snapshot of a seeded portal (BENCH_RESTORE_TASKS, 100,000 tasks) over the
 * full portal of the same size, through the control API of the compiled server on a SQLite file
 * (POST /_scrumd/snapshots/{name}/restore; the time is the HTTP call's, as a test suite sees it), five
 * times; also the snapshot's save and a restore over an empty portal (after a reset). Written to
 * docs/BENCHMARKS.md (section `restore`) unless BENCH_WRITE=0.
 */
async function restoreTime(dir: string): Promise<void> {
  const tasks = Number(env.BENCH_RESTORE_TASKS ?? 100_000);
  const file = join(dir, 'restore.db');
  const seed = seedDatabase(file, { groups: Math.max(1, Math.round(tasks / 5000)), tasks });
  const load0 = os.loadavg();
  const port = await freePort();
  const origin = `http://${HOST}:${port}`;
  const token = 'bench-control-token';
  const child = startChild([CLI, 'serve', '--host', HOST, '--port', String(port), '--database', file, '--webhook-secret', SECRET, '--control-token', token]);
  const control = async (path: string, body: unknown = {}): Promise<{ ms: number; cpuMs: number }> => {
    const cpu0 = cpuSecondsOf(child.pid!);
    const t0 = performance.now();
    const r = await fetch(`${origin}/_scrumd/${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await r.text();
    const ms = performance.now() - t0;
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${text.slice(0, 300)}`);
    return { ms, cpuMs: (cpuSecondsOf(child.pid!) - cpu0) * 1000 };
  };
  const rows: string[] = [];
  try {
    await firstAnswer(`${origin}${rest('server.time')}`, performance.now(), child);
    const save = await control('snapshots/full');
    rows.push(`| save (VACUUM INTO a file) | ${save.ms.toFixed(0)} | ${save.cpuMs.toFixed(0)} |`);
    const over: { ms: number; cpuMs: number }[] = [];
    for (let i = 0; i < 5; i++) over.push(await control('snapshots/full/restore'));
    const check = await fetch(`${origin}${rest('tasks.task.get')}?taskId=${tasks}`);
    if (check.status !== 200) throw new Error(`after the restore: tasks.task.get ${check.status}`);
    const sorted = [...over].sort((a, b) => a.ms - b.ms);
    rows.push(`| restore over the full portal, 5 times: median (min–max) | ${sorted[2]!.ms.toFixed(0)} (${sorted[0]!.ms.toFixed(0)}–${sorted[4]!.ms.toFixed(0)}) | ${[...over].sort((a, b) => a.cpuMs - b.cpuMs)[2]!.cpuMs.toFixed(0)} |`);
    await control('reset');
    const empty = await control('snapshots/full/restore');
    rows.push(`| restore over an empty portal (after a reset) | ${empty.ms.toFixed(0)} | ${empty.cpuMs.toFixed(0)} |`);
  } finally {
    await stopChild(child);
  }
  const text = [
    `### Snapshot restore: ${fmt(seed.tasks)} tasks, SQLite file`,
    '',
    `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commitId()}`,
    `- machine: ${os.cpus().length} cores, Node ${process.version}; load average when it started ${load0.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared)`,
    `- data set: ${seed.groups} Scrum groups, ${seed.tasks} tasks (seeded in ${seed.seconds.toFixed(1)} s); the compiled server, default settings; times of the control API's HTTP call`,
    ...(env.BENCH_NOTE ? [`- note: ${env.BENCH_NOTE}`] : []),
    '',
    '| operation | ms | server CPU ms |',
    '|---|---:|---:|',
    ...rows,
  ].join('\n');
  console.log(`\n${text}\n`);
  if (env.BENCH_WRITE !== '0') writeDoc('restore', text);
}

/**
 * BENCH_EVENTS=1: what event delivery costs the API (issue 13, Performance): tasks.task.update req/s of
 * a server with no handlers against one with 10 handlers of an application bound to ONTASKUPDATE on a
 * receiver in this process (each update: 10 deliveries, each with a fresh access token). Both servers
 * run at once, each on its own copy of one seeded file; after a warm-up of both they are measured in
 * turns (none-handlers, handlers-none, …; BENCH_EVENTS_ROUNDS pairs, 3), and before every measurement
 * the handlers server's queue is drained (POST /_scrumd/events/wait) so that its deliveries never run
 * beside the other side's, then BENCH_EVENTS_SETTLE ms pass (8000). Reports req/s and server CPU µs per request of each side and their ratio
 * (target ≥ 90 %), and the deliveries/s the receiver got: during the measured updates, and until the
 * queue was empty. Written to docs/BENCHMARKS.md (section `events`) unless BENCH_WRITE=0.
 */
async function eventsCost(dir: string): Promise<void> {
  const set = { groups: 5, tasks: Number(env.BENCH_EVENTS_TASKS ?? 5000) };
  const seeded = join(dir, 'events.db');
  const seed = seedDatabase(seeded, set);
  const ids = readIds(seeded);
  const load0 = os.loadavg();
  const token = 'bench-control-token-0123456789';
  // the receiver: answers 200 at once and counts
  let received = 0;
  const receiver = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received++;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, HOST, r));
  const rxPort = (receiver.address() as { port: number }).port;
  const servers: Record<'none' | 'handlers', { origin: string; child: ChildProcess }> = Object.create(null);
  const control = async (origin: string, path: string, body: unknown): Promise<any> => {
    const r = await fetch(`${origin}/_scrumd${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const j = (await r.json()) as any;
    if (r.status !== 200) throw new Error(`${path}: ${r.status} ${JSON.stringify(j)}`);
    return j.result;
  };
  try {
    for (const mode of ['none', 'handlers'] as const) {
      const file = join(dir, `events-${mode}.db`);
      copyFileSync(seeded, file);
      const port = await freePort();
      const origin = `http://${HOST}:${port}`;
      const child = startChild([CLI, 'serve', '--host', HOST, '--port', String(port), '--database', file, '--webhook-secret', SECRET, '--control-token', token]);
      await firstAnswer(`${origin}${rest('server.time')}`, performance.now(), child);
      servers[mode] = { origin, child };
    }
    // 10 handlers of one application: created and signed in as the walkthrough in README does
    const h = servers.handlers.origin;
    const made = await control(h, '/apps', { title: 'Bench', scope: 'task', url: `http://${HOST}:${rxPort}/app` });
    const redirect = await fetch(`${h}/oauth/authorize/?client_id=${made.client_id}&user=1`, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location')!).searchParams.get('code')!;
    const tokens = (await (
      await fetch(`${h}/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'authorization_code', client_id: made.client_id, client_secret: made.client_secret, code }) })
    ).json()) as { access_token: string };
    for (let i = 1; i <= 10; i++) {
      const r = (await (
        await fetch(`${h}/rest/event.bind`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: tokens.access_token, event: 'ONTASKUPDATE', handler: `http://${HOST}:${rxPort}/h${i}` }) })
      ).json()) as { result?: boolean };
      if (r.result !== true) throw new Error(`event.bind: ${JSON.stringify(r)}`);
    }
    let n = 0;
    const scenario: Scenario = {
      name: 'tasks.task.update',
      shot: () => post('tasks.task.update', { taskId: pick(ids.tasks), fields: { TITLE: `Updated ${++n % 1000}` } }),
      check: (s, b) => ok(s) && isObject(b?.result?.task),
    };
    const drain = async () => {
      const t0 = performance.now();
      const r0 = received;
      const w = await control(h, '/events/wait', { timeout: 600 });
      const ms = performance.now() - t0;
      // then a pause before the next measurement: what the drain leaves behind (the pruning pass of the
      // delivery history, the kernel writing back the ~100 MB the drain wrote) is not measured as the cost
      // of an update — without it one run in three or four with handlers lost a third of its req/s
      await new Promise((r) => setTimeout(r, Number(env.BENCH_EVENTS_SETTLE ?? 8000)));
      return { ms, delivered: received - r0, pending: w.pending as number };
    };
    const rounds = Number(env.BENCH_EVENTS_ROUNDS ?? 3);
    const got: Record<'none' | 'handlers', Measured[]> = { none: [], handlers: [] };
    const flow: { inWindow: number; windowS: number; drained: number; drainMs: number; pending: number }[] = [];
    for (const mode of ['none', 'handlers'] as const) await measure(servers[mode].origin, scenario, servers[mode].child.pid); // warm-up, not counted
    await drain();
    for (let i = 0; i < rounds; i++) {
      for (const mode of i % 2 === 0 ? (['none', 'handlers'] as const) : (['handlers', 'none'] as const)) {
        const r0 = received;
        const m = await measure(servers[mode].origin, scenario, servers[mode].child.pid);
        if (mode === 'handlers') {
          // measure() sends one checked request and a warm-up second before its window: deliveries of both count
          const inWindow = received - r0;
          const d = await drain();
          flow.push({ inWindow, windowS: DURATION + WARMUP, drained: d.delivered, drainMs: d.ms, pending: d.pending });
          console.error(`  deliveries: ${inWindow} during the load (${fmt(inWindow / (DURATION + WARMUP))}/s), then ${d.delivered} in ${(d.ms / 1000).toFixed(1)} s until the queue was empty`);
        }
        got[mode].push(m);
        console.error(`events ${mode}: ${fmt(m.rps)} req/s, ${m.cpuUs?.toFixed(0)} µs CPU/req`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rps = { none: mean(got.none.map((m) => m.rps)), handlers: mean(got.handlers.map((m) => m.rps)) };
    const cpu = { none: mean(got.none.map((m) => m.cpuUs ?? NaN)), handlers: mean(got.handlers.map((m) => m.cpuUs ?? NaN)) };
    const ratio = rps.handlers / rps.none;
    const total = flow.reduce((a, f) => a + f.inWindow + f.drained, 0);
    const totalS = flow.reduce((a, f) => a + f.windowS + f.drainMs / 1000, 0);
    let commit = 'unknown';
    try {
      commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    } catch {
      // not a git checkout
    }
    const runs = (mode: 'none' | 'handlers') => got[mode].map((m) => `${fmt(m.rps)} (${m.cpuUs?.toFixed(0)})`).join(', ');
    const text = [
      '### Event delivery: `tasks.task.update` with no handlers against 10 handlers bound to ONTASKUPDATE',
      '',
      `- date: ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, commit ${commit}`,
      `- machine: ${os.cpus().length} cores, Node ${process.version}; load average when it started ${load0.map((l) => l.toFixed(2)).join(' / ')} (the machine is shared)`,
      `- data set: ${seed.groups} Scrum groups, ${fmt(seed.tasks)} tasks; two compiled servers at once on copies of one file, default settings; ${CONNECTIONS} connections, ${DURATION} s per run after a ${WARMUP} s warm-up, ${rounds} alternating pairs; the receiver (answers 200 at once) and autocannon in the runner process`,
      ...(env.BENCH_NOTE ? [`- note: ${env.BENCH_NOTE}`] : []),
      '',
      '| handlers | req/s (mean) | server CPU µs/req (mean) | runs: req/s (CPU µs/req) |',
      '|---|---:|---:|---|',
      `| none | ${fmt(rps.none)} | ${cpu.none.toFixed(0)} | ${runs('none')} |`,
      `| 10 on ONTASKUPDATE | ${fmt(rps.handlers)} | ${cpu.handlers.toFixed(0)} | ${runs('handlers')} |`,
      '',
      `req/s with handlers: **${(ratio * 100).toFixed(1)} %** of without (target ≥ 90 %: ${ratio >= 0.9 ? 'met' : 'not met'}).`,
      '',
      '| run with handlers | deliveries during the load | per second | then until the queue was empty | in |',
      '|---|---:|---:|---:|---:|',
      ...flow.map((f, i) => `| ${i + 1} | ${fmt(f.inWindow)} | ${fmt(f.inWindow / f.windowS)} | ${fmt(f.drained)}${f.pending ? ` (${f.pending} still pending)` : ''} | ${(f.drainMs / 1000).toFixed(1)} s |`),
      '',
      `Deliveries to the local receiver, from the first update to an empty queue: ${fmt(total / totalS)}/s (each one a POST with a fresh access token written to the database).`,
    ].join('\n');
    console.log(`\n${text}\n`);
    if (env.BENCH_WRITE !== '0') writeDoc('events', text);
  } finally {
    for (const s of Object.values(servers)) await stopChild(s.child);
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('dist/cli.js is missing: run `npm run build` first (npm run bench does)');
  const dir = mkdtempSync(join(os.tmpdir(), 'scrumd-bench-'));
  let baseline: Baseline | undefined;
  try {
    console.error(`machine: ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    if (env.BENCH_JOURNAL === '1') return await journalCost(dir);
    if (env.BENCH_EVENTS === '1') return await eventsCost(dir);
    if (env.BENCH_RESTORE === '1') return await restoreTime(dir);
    baseline = await startBaseline();
    const base = await measureBaseline(baseline);
    const routine = await scrumdPhase(dir, `Routine data set`, ROUTINE_SET, routineScenarios, baseline, true);
    const routineText = section(routine, base);
    console.log(`\n${routineText}\n`);
    if (env.BENCH_WRITE !== '0' && !ONLY) writeDoc('routine', routineText);
    const partial = [`### Partial run: BENCH_ONLY=${ONLY?.join(',')}`, '', section(routine, base, '####')];

    // the decode scenario (bench/decode.ts): in this process, no server
    if (!ONLY || ONLY.some((o) => 'decode'.includes(o))) {
      const decodeText = decodeTable(await measureDecoding(ROOT));
      console.log(`\n${decodeText}\n`);
      if (env.BENCH_WRITE !== '0' && !ONLY) writeDoc('decode', decodeText);
    }

    if (LARGE) {
      // the machine may be busier or quieter by now: this phase is compared with a baseline of its own
      const largeBase = await measureBaseline(baseline);
      const large = await scrumdPhase(dir, `1,000,000 tasks (BENCH_LARGE=1)`, LARGE_SET, largeScenarios, baseline);
      const largeText = section(large, largeBase);
      console.log(`\n${largeText}\n`);
      if (env.BENCH_WRITE !== '0' && !ONLY) writeDoc('large', largeText);
      partial.push('', section(large, largeBase, '####'));
    }
    // a BENCH_ONLY run is written only when asked (BENCH_WRITE=1), into a section of its own
    if (ONLY && env.BENCH_WRITE === '1') writeDoc('partial', partial.join('\n'));
  } finally {
    if (baseline) await stopChild(baseline.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
