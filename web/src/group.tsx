import { useEffect, useRef, useState } from 'preact/hooks';
import Sortable from 'sortablejs';
import { call, groupPlan, type Me, type Plan, type PlanItem } from './api';
import { ActiveSprint } from './kanban';
import type { JSX } from 'preact';

const day = (t: number | null) => (t === null ? '—' : new Date(t * 1000).toISOString().slice(0, 10));

/**
 * The group's tabs, in order: [hash segment, label, screen]. Another screen is one line here
 * (engineers A and C add theirs); an unknown segment shows the backlog.
 */
type Screen = (p: { me: Me; plan: Plan; act: Act; reload: () => Promise<void> }) => JSX.Element;
const TABS: [string, string, Screen][] = [
  ['backlog', 'Backlog', (p) => <Backlog {...p} />],
  ['planning', 'Planning', (p) => <Planning {...p} />],
  ['sprint', 'Sprint', (p) => <ActiveSprint {...p} />],
];

export function GroupPage({ me, groupId, tab }: { me: Me; groupId: number; tab: string }) {
  const [plan, setPlan] = useState<Plan | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const load = (): Promise<void> =>
    groupPlan(groupId).then(
      (p) => setPlan(p),
      (e: Error) => setError(e.message),
    );
  useEffect(() => {
    setPlan(null);
    setError('');
    void load();
  }, [groupId]);
  /** Runs a change; the service's refusal is shown in its own words. */
  const act = async (what: () => Promise<unknown>, done?: string) => {
    setNotice('');
    setError('');
    try {
      await what();
    } catch (e) {
      setError((e as Error).message);
      await load();
      return false;
    }
    await load();
    // announced once the board shows the change
    if (done) setNotice(done);
    return true;
  };
  if (!plan) {
    return error ? (
      <section>
        <p role="alert" class="error">This group cannot be shown: {error}</p>
        <a href="#/">Back to the groups</a>
      </section>
    ) : (
      <p class="loading">Loading the group…</p>
    );
  }
  const current = TABS.find(([key]) => key === tab) ?? TABS[0]!;
  return (
    <section aria-labelledby="group-title">
      <p class="crumbs"><a href="#/">Groups</a> ›</p>
      <h1 id="group-title">{plan.group.name}</h1>
      <nav class="tabs" aria-label="Group views">
        {TABS.map(([key, label]) => (
          <a key={key} href={`#/g/${groupId}/${key}`} aria-current={key === current[0] ? 'page' : undefined}>{label}</a>
        ))}
      </nav>
      {error && (
        <p role="alert" class="error">
          {error} <button type="button" class="link" onClick={() => setError('')} aria-label="Dismiss the message">×</button>
        </p>
      )}
      <p role="status" class="notice">{notice}</p>
      {current[2]({ me, plan, act, reload: load })}
    </section>
  );
}

export type Act = (what: () => Promise<unknown>, done?: string) => Promise<boolean>;

function Backlog({ me, plan, act }: { me: Me; plan: Plan; act: Act }) {
  const backlog = plan.backlog;
  const [title, setTitle] = useState('');
  const [points, setPoints] = useState('');
  const [epic, setEpic] = useState('');
  const [responsible, setResponsible] = useState(String(me.userId));
  const [focusTask, setFocusTask] = useState<number | null>(null);
  const listRef = useRef<HTMLOListElement>(null);
  useEffect(() => {
    if (focusTask !== null) listRef.current?.querySelector<HTMLElement>(`[data-task="${focusTask}"]`)?.focus();
  });
  // Drag and drop (SortableJS, pointer-based): the DOM move is undone at once and the same move as
  // the keyboard's is made, so Preact keeps owning the list and the service decides the order.
  const moveRef = useRef<(index: number, delta: number) => void>(() => {});
  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    const sortable = Sortable.create(el, {
      animation: 120,
      handle: '.drag',
      forceFallback: true,
      onEnd: (evt) => {
        const from = evt.oldIndex;
        const to = evt.newIndex;
        if (from === undefined || to === undefined || from === to) return;
        evt.item.remove();
        evt.from.insertBefore(evt.item, evt.from.children[from] ?? null);
        moveRef.current(from, to - from);
      },
    });
    return () => sortable.destroy();
  }, [backlog?.id]);
  if (!backlog) {
    return (
      <button type="button" onClick={() => act(() => call('tasks.api.scrum.backlog.add', { fields: { groupId: plan.group.id, createdBy: me.userId } }))}>
        Create the backlog
      </button>
    );
  }
  const items = backlog.items;
  const planned = plan.sprints.filter((s) => s.status === 'planned');

  const add = async (e: Event) => {
    e.preventDefault();
    const ok = await act(async () => {
      const t = await call<{ task: { id: string } }>('tasks.task.add', { fields: { TITLE: title, GROUP_ID: plan.group.id, RESPONSIBLE_ID: Number(responsible) } });
      const fields: Record<string, unknown> = { entityId: backlog.id, storyPoints: points };
      if (epic) fields.epicId = Number(epic);
      await call('tasks.api.scrum.task.update', { id: Number(t.task.id), fields });
    }, `Added "${title}"`);
    if (ok) {
      setTitle('');
      setPoints('');
    }
  };

  /** Moves an item by `delta` places: its sort becomes a value between its new neighbours. */
  const move = (index: number, delta: number) => {
    const to = index + delta;
    if (to < 0 || to >= items.length) return;
    const rest = items.filter((_, i) => i !== index);
    const before = rest[to - 1];
    const after = rest[to];
    const sort = before && after ? (before.sort + after.sort) / 2 : before ? before.sort + 1024 : after!.sort / 2;
    const it = items[index]!;
    setFocusTask(it.taskId);
    // Items the service added themselves share one sort value (ties go by id): then the whole order
    // is written out 1024, 2048, … as the reference's own board does; else one item takes a value
    // between its new neighbours.
    const fits = (!before || before.sort < sort) && (!after || sort < after.sort);
    const order = [...rest.slice(0, to), it, ...rest.slice(to)];
    void act(
      () => (fits ? call('tasks.api.scrum.task.update', { id: it.taskId, fields: { sort } }) : renumber(order)),
      `Moved "${it.title}" to position ${to + 1}`,
    );
  };

  moveRef.current = move;

  const onKey = (e: KeyboardEvent, index: number) => {
    if (!e.altKey && !e.ctrlKey) return;
    if (e.key === 'ArrowUp') {
      e.preventDefault();
      move(index, -1);
    } else if (e.key === 'ArrowDown') {
      e.preventDefault();
      move(index, 1);
    }
  };

  return (
    <>
      <h2>Backlog <span class="muted">· {items.length} items · {backlog.storyPoints} story points</span></h2>
      <p class="hint" id="reorder-hint">Drag an item by its handle, or focus it and press Alt+↑ or Alt+↓ to move it.</p>
      <ol class="items" ref={listRef} aria-label="Backlog items">
        {items.map((it, i) => (
          <li
            key={it.taskId}
            data-task={it.taskId}
            tabIndex={0}
            aria-describedby="reorder-hint"
            aria-label={`${it.title}, ${it.storyPoints || 'no'} story points, position ${i + 1} of ${items.length}`}
            onKeyDown={(e) => onKey(e, i)}
          >
            <span class="drag" aria-hidden="true" title="Drag to reorder">⠿</span>
            <ItemLine it={it} />
            <span class="actions">
              <button type="button" aria-label={`Move ${it.title} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
              <button type="button" aria-label={`Move ${it.title} down`} disabled={i === items.length - 1} onClick={() => move(i, 1)}>↓</button>
              <select
                aria-label={`Move ${it.title} to a sprint`}
                value=""
                disabled={planned.length === 0}
                onChange={(e) => {
                  const id = Number(e.currentTarget.value);
                  if (id) void act(() => call('tasks.api.scrum.task.update', { id: it.taskId, fields: { entityId: id } }), `Moved "${it.title}" to the sprint`);
                }}
              >
                <option value="">To sprint…</option>
                {planned.map((s) => (
                  <option key={s.id} value={s.id}>{s.name}</option>
                ))}
              </select>
            </span>
          </li>
        ))}
      </ol>
      <form class="card" onSubmit={add} aria-labelledby="new-item-title">
        <h2 id="new-item-title">New backlog item</h2>
        <label>
          Title
          <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required />
        </label>
        <label>
          Story points
          <input value={points} inputMode="decimal" onInput={(e) => setPoints(e.currentTarget.value)} />
        </label>
        <label>
          Epic
          <select value={epic} onChange={(e) => setEpic(e.currentTarget.value)}>
            <option value="">No epic</option>
            {plan.epics.map((ep) => (
              <option key={ep.id} value={ep.id}>{ep.name}</option>
            ))}
          </select>
        </label>
        <label>
          Responsible (user id)
          <input value={responsible} inputMode="numeric" onInput={(e) => setResponsible(e.currentTarget.value)} required />
        </label>
        <button type="submit">Add item</button>
      </form>
    </>
  );
}

/** Writes sort 1024, 2048, … for the items in this order, 50 to a batch call. */
async function renumber(order: PlanItem[]): Promise<void> {
  for (let i = 0; i < order.length; i += 50) {
    const cmd: Record<string, string> = {};
    order.slice(i, i + 50).forEach((it, k) => {
      cmd[`i${it.taskId}`] = `tasks.api.scrum.task.update?id=${it.taskId}&fields[sort]=${(i + k + 1) * 1024}`;
    });
    const r = await call<{ result_error: Record<string, { error_description?: string }> | unknown[] }>('batch', { halt: 1, cmd });
    const errors = Object.values(r.result_error ?? {}) as { error_description?: string }[];
    if (errors.length > 0) throw new Error(errors[0]?.error_description ?? 'The order was not saved');
  }
}

function ItemLine({ it }: { it: PlanItem }) {
  return (
    <span class="line">
      <span class="title">{it.title}</span>
      <span class="points" title="Story points">{it.storyPoints || '–'}</span>
      {it.epic && (
        <span class="epic" style={{ borderColor: it.epic.color || '#888' }}>{it.epic.name}</span>
      )}
      <span class="muted resp">{it.responsible.name}</span>
    </span>
  );
}

function Planning({ me, plan, act }: { me: Me; plan: Plan; act: Act }) {
  const today = new Date().toISOString().slice(0, 10);
  const inTwoWeeks = new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10);
  const [name, setName] = useState(`Sprint ${plan.sprints.length + 1}`);
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState(inTwoWeeks);
  const create = async (e: Event) => {
    e.preventDefault();
    const ok = await act(
      () => call('tasks.api.scrum.sprint.add', { fields: { groupId: plan.group.id, name, dateStart: start, dateEnd: end, status: 'planned', createdBy: me.userId } }),
      `Planned "${name}"`,
    );
    if (ok) setName(`Sprint ${plan.sprints.length + 2}`);
  };
  return (
    <>
      <h2>Sprints</h2>
      {plan.sprints.length === 0 && <p>No sprint yet.</p>}
      <ul class="sprints" aria-label="Sprints">
        {plan.sprints.map((s) => (
          <li key={s.id} class={`sprint ${s.status}`}>
            <div class="sprint-head">
              <strong>{s.name}</strong>
              <span class={`badge ${s.status}`}>{s.status}</span>
              <span class="muted">{day(s.dateStart)} → {day(s.dateEnd)} · {s.items.length} items · {s.storyPoints} story points</span>
              {s.status === 'planned' && (
                <button type="button" aria-label={`Start ${s.name}`} onClick={() => act(() => call('tasks.api.scrum.sprint.start', { id: s.id }), `Started "${s.name}"`)}>
                  Start
                </button>
              )}
              {s.status === 'planned' && (
                <button type="button" class="quiet" aria-label={`Delete ${s.name}`} onClick={() => act(() => call('tasks.api.scrum.sprint.delete', { id: s.id }), `Deleted "${s.name}"`)}>
                  Delete
                </button>
              )}
            </div>
            {s.items.length > 0 && (
              <ol class="items compact" aria-label={`Items of ${s.name}`}>
                {s.items.map((it) => (
                  <li key={it.taskId}><ItemLine it={it} /></li>
                ))}
              </ol>
            )}
          </li>
        ))}
      </ul>
      <form class="card" onSubmit={create} aria-labelledby="new-sprint-title">
        <h2 id="new-sprint-title">Plan a sprint</h2>
        <label>
          Sprint name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <label>
          Start date
          <input type="date" value={start} onInput={(e) => setStart(e.currentTarget.value)} required />
        </label>
        <label>
          End date
          <input type="date" value={end} onInput={(e) => setEnd(e.currentTarget.value)} required />
        </label>
        <button type="submit">Plan sprint</button>
      </form>
    </>
  );
}
