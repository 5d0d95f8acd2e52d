/**
 * The backlog: items in order (story points, epic, responsible), added, edited, reordered by drag and
 * drop and by keyboard, filtered by epic, moved into a planned sprint. Every change is a REST method
 * run as the signed-in user. Large backlogs are windowed: only the rows in view (and a few around)
 * are in the DOM, with spacers standing for the rest, so 5,000 items render and scroll at once.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import Sortable from 'sortablejs';
import { call, type Me, type Plan, type PlanItem } from './api';
import type { Act } from './group';

/** Height of a row, including the gap below it (style.css: .items.virtual > li; two lines on a phone). */
const rowHeight = () => (typeof matchMedia === 'function' && matchMedia('(max-width: 480px)').matches ? 92 : 56);
/** Rows rendered above and below the visible ones. */
const OVERSCAN = 8;

type Filter = '' | 'none' | `${number}`;

export function Backlog({ me, plan, act }: { me: Me; plan: Plan; act: Act }) {
  const backlog = plan.backlog;
  const [title, setTitle] = useState('');
  const [points, setPoints] = useState('');
  const [epic, setEpic] = useState('');
  const [responsible, setResponsible] = useState(String(me.userId));
  const [filter, setFilter] = useState<Filter>('');
  const [editing, setEditing] = useState<number | null>(null);
  const [focusTask, setFocusTask] = useState<number | null>(null);
  const scrollFor = useRef<number | null>(null);
  const [view, setView] = useState({ top: 0, height: 640 });
  const listRef = useRef<HTMLOListElement>(null);
  const scrollRef = useRef<HTMLDivElement>(null);
  const ROW = rowHeight(); // read each render: a resize re-renders (measure)
  const all = backlog?.items ?? [];
  const items = filter === '' ? all : all.filter((it) => (filter === 'none' ? !it.epic : it.epic?.id === Number(filter)));
  const start = Math.max(0, Math.floor(view.top / ROW) - OVERSCAN);
  const end = Math.min(items.length, Math.ceil((view.top + view.height) / ROW) + OVERSCAN);

  // the first rows on screen: a mark the browser test reads (first meaningful paint of the backlog)
  useEffect(() => {
    if (all.length > 0 && performance.getEntriesByName('backlog-rows').length === 0) performance.mark('backlog-rows');
  }, [all.length > 0]);

  const measure = () => {
    const el = scrollRef.current;
    if (el) setView({ top: el.scrollTop, height: el.clientHeight || 640 });
  };
  useLayoutEffect(() => {
    measure();
    addEventListener('resize', measure);
    return () => removeEventListener('resize', measure);
  }, [backlog?.id]);

  // Keyboard moves keep the focus on the moved item: scroll it into the window, then focus it.
  useEffect(() => {
    if (focusTask === null) return;
    const el = listRef.current?.querySelector<HTMLElement>(`[data-task="${focusTask}"]`);
    if (el) {
      scrollFor.current = null;
      // focus lost to a re-render (the row was moved in the DOM) comes back to the moved item
      const now = document.activeElement;
      if (now !== el && (!now || now === document.body || listRef.current?.contains(now))) el.focus();
      return;
    }
    const index = items.findIndex((it) => it.taskId === focusTask);
    const box = scrollRef.current;
    // scrolled into the window once per move, so the reader's own scrolling is not undone
    if (index >= 0 && box && scrollFor.current === focusTask) {
      scrollFor.current = null;
      box.scrollTop = Math.max(0, index * ROW - box.clientHeight / 2);
      measure();
    }
  });

  // Drag and drop (SortableJS, pointer-based): the DOM move is undone at once and the same move as
  // the keyboard's is made, so Preact keeps owning the list and the service decides the order.
  const moveRef = useRef<(index: number, delta: number) => void>(() => {});
  const startRef = useRef(0);
  startRef.current = start;
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
        // the rendered rows are a window: their indexes count from its first row
        moveRef.current(startRef.current + from, to - from);
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
  const planned = plan.sprints.filter((s) => s.status === 'planned');
  const filtered = filter !== '';

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
    if (filtered) return; // the order is the whole backlog's: reordering a filtered view is off
    const to = index + delta;
    if (to < 0 || to >= items.length) return;
    const rest = items.filter((_, i) => i !== index);
    const before = rest[to - 1];
    const after = rest[to];
    const sort = before && after ? (before.sort + after.sort) / 2 : before ? before.sort + 1024 : after!.sort / 2;
    const it = items[index]!;
    setFocusTask(it.taskId);
    scrollFor.current = it.taskId;
    // One item takes a value between its new neighbours. Items the service added themselves share
    // one sort value (ties go by id): then the shorter end of the list, from the move to the top or
    // to the bottom, is written out in steps of 1024 beyond the first untouched neighbour.
    const fits = (!before || before.sort < sort) && (!after || sort < after.sort);
    const order = [...rest.slice(0, to), it, ...rest.slice(to)];
    void act(
      () => (fits ? call('tasks.api.scrum.task.update', { id: it.taskId, fields: { sort } }) : writeSorts(spread(order, Math.min(index, to), Math.max(index, to)))),
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

  const editItem = editing === null ? undefined : all.find((it) => it.taskId === editing);
  const rows = items.slice(start, end);
  return (
    <>
      <h2>Backlog <span class="muted">· {all.length} items · {backlog.storyPoints} story points</span></h2>
      <div class="toolbar">
        <label class="inline">
          Epic filter
          <select value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
            <option value="">All epics</option>
            <option value="none">No epic</option>
            {plan.epics.map((ep) => (
              <option key={ep.id} value={String(ep.id)}>{ep.name}</option>
            ))}
          </select>
        </label>
        {filtered && <span class="muted" role="note">{items.length} of {all.length} items shown; clear the filter to reorder.</span>}
      </div>
      <p class="hint" id="reorder-hint">Drag an item by its handle, or focus it and press Alt+↑ or Alt+↓ to move it.</p>
      {editItem && <EditItem key={editItem.taskId} it={editItem} plan={plan} act={act} done={() => { setEditing(null); setFocusTask(editItem.taskId); }} />}
      <div class="scroller" ref={scrollRef} onScroll={measure} onPointerDown={() => setFocusTask(null)} style={{ maxHeight: items.length > 12 ? '70vh' : undefined }}>
        <ol
          class="items virtual"
          ref={listRef}
          aria-label="Backlog items"
          style={{ paddingTop: `${start * ROW}px`, paddingBottom: `${(items.length - end) * ROW}px` }}
        >
          {rows.map((it, k) => {
            const i = start + k;
            return (
              <li
                key={it.taskId}
                data-task={it.taskId}
                tabIndex={0}
                aria-describedby="reorder-hint"
                aria-posinset={i + 1}
                aria-setsize={items.length}
                aria-label={`${it.title}, ${it.storyPoints || 'no'} story points, position ${i + 1} of ${items.length}`}
                onKeyDown={(e) => onKey(e, i)}
              >
                <span class="drag" aria-hidden="true" title="Drag to reorder">⠿</span>
                <ItemLine it={it} />
                <span class="actions">
                  <button type="button" aria-label={`Move ${it.title} up`} disabled={filtered || i === 0} onClick={() => move(i, -1)}>↑</button>
                  <button type="button" aria-label={`Move ${it.title} down`} disabled={filtered || i === items.length - 1} onClick={() => move(i, 1)}>↓</button>
                  <button type="button" aria-label={`Edit ${it.title}`} onClick={() => setEditing(it.taskId)}>✎</button>
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
            );
          })}
        </ol>
      </div>
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

/**
 * Edits an item: the title and the responsible are the task's (tasks.task.update), story points and
 * epic the item's (tasks.api.scrum.task.update); only what changed is sent.
 */
function EditItem({ it, plan, act, done }: { it: PlanItem; plan: Plan; act: Act; done: () => void }) {
  const [title, setTitle] = useState(it.title);
  const [points, setPoints] = useState(it.storyPoints);
  const [epic, setEpic] = useState(it.epic ? String(it.epic.id) : '');
  const [responsible, setResponsible] = useState(String(it.responsible.id));
  const save = async (e: Event) => {
    e.preventDefault();
    const ok = await act(async () => {
      const task: Record<string, unknown> = {};
      if (title !== it.title) task.TITLE = title;
      if (responsible !== String(it.responsible.id)) task.RESPONSIBLE_ID = Number(responsible);
      if (Object.keys(task).length > 0) await call('tasks.task.update', { taskId: it.taskId, fields: task });
      const item: Record<string, unknown> = {};
      if (points !== it.storyPoints) item.storyPoints = points;
      if (epic !== (it.epic ? String(it.epic.id) : '')) item.epicId = epic === '' ? 0 : Number(epic);
      if (Object.keys(item).length > 0) await call('tasks.api.scrum.task.update', { id: it.taskId, fields: item });
    }, `Saved "${title}"`);
    if (ok) done();
  };
  return (
    <form class="card edit" onSubmit={save} aria-labelledby="edit-item-title">
      <h2 id="edit-item-title">Edit "{it.title}"</h2>
      <label>
        Item title
        <input value={title} onInput={(e) => setTitle(e.currentTarget.value)} required />
      </label>
      <label>
        Item story points
        <input value={points} inputMode="decimal" onInput={(e) => setPoints(e.currentTarget.value)} />
      </label>
      <label>
        Item epic
        <select value={epic} onChange={(e) => setEpic(e.currentTarget.value)}>
          <option value="">No epic</option>
          {plan.epics.map((ep) => (
            <option key={ep.id} value={ep.id}>{ep.name}</option>
          ))}
        </select>
      </label>
      <label>
        Item responsible (user id)
        <input value={responsible} inputMode="numeric" onInput={(e) => setResponsible(e.currentTarget.value)} required />
      </label>
      <span class="actions">
        <button type="submit">Save item</button>
        <button type="button" class="quiet" onClick={done}>Cancel</button>
      </span>
    </form>
  );
}

/**
 * New sort values that put `order` (the list after the move of positions lo..hi) in order by writing
 * the fewer items: order[lo..] above order[lo-1], or order[..hi] below order[hi+1]; unchanged values
 * are left out.
 */
export function spread(order: PlanItem[], lo: number, hi: number): [PlanItem, number][] {
  const n = order.length;
  let out: [PlanItem, number][];
  if (n - lo <= hi + 1) {
    const base = lo > 0 ? order[lo - 1]!.sort : 0;
    out = order.slice(lo).map((x, k) => [x, base + 1024 * (k + 1)]);
  } else {
    const top = order[hi + 1]!.sort;
    out = order.slice(0, hi + 1).map((x, k) => [x, top - 1024 * (hi + 1 - k)]);
  }
  return out.filter(([x, v]) => x.sort !== v);
}

/** Writes these sort values, 50 to a batch call. */
async function writeSorts(order: [PlanItem, number][]): Promise<void> {
  for (let i = 0; i < order.length; i += 50) {
    const cmd: Record<string, string> = {};
    order.slice(i, i + 50).forEach(([it, v]) => {
      cmd[`i${it.taskId}`] = `tasks.api.scrum.task.update?id=${it.taskId}&fields[sort]=${v}`;
    });
    const r = await call<{ result_error: Record<string, { error_description?: string }> | unknown[] }>('batch', { halt: 1, cmd });
    const errors = Object.values(r.result_error ?? {}) as { error_description?: string }[];
    if (errors.length > 0) throw new Error(errors[0]?.error_description ?? 'The order was not saved');
  }
}

export function ItemLine({ it }: { it: PlanItem }) {
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
