/**
 * The active sprint's Kanban: stages as columns, tasks as cards. Every change is a REST method run as
 * the signed-in user (kanban.addTask/deleteTask/addStage/updateStage/deleteStage, tasks.task.complete,
 * sprint.complete), so the rules are the service's; the board only reads which task sits where from
 * its own read-only view (GET …/sprint-board) because REST has no such read.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import Sortable from 'sortablejs';
import { day } from './dates';
import { call, sprintBoard, type Me, type Plan, type SprintBoard } from './api';
import type { Act } from './group';

const COMPLETED = 5;
type Stage = SprintBoard['stages'][number];
type Card = SprintBoard['tasks'][number];

/** Runs REST calls in one batch (one round trip); a false or failed command is an error in words. */
async function batch(cmd: Record<string, string>, refusal: (key: string) => string): Promise<void> {
  const r = await call<{ result: Record<string, unknown>; result_error: Record<string, { error_description?: string }> | unknown[] }>('batch', { halt: 1, cmd });
  const errors = Object.values(r.result_error ?? {}) as { error_description?: string }[];
  if (errors.length > 0) throw new Error(errors[0]?.error_description ?? 'The change was not saved');
  for (const key of Object.keys(cmd)) if (r.result?.[key] === false) throw new Error(refusal(key));
}

export function ActiveSprint({ plan, act }: { me: Me; plan: Plan; act: Act; reload: () => Promise<void> }) {
  const groupId = plan.group.id;
  const [board, setBoard] = useState<SprintBoard | null>(null);
  const [loadError, setLoadError] = useState('');
  const [focusTask, setFocusTask] = useState<number | null>(null);
  const [confirming, setConfirming] = useState(false);
  const boardRef = useRef<HTMLDivElement>(null);
  const load = () =>
    sprintBoard(groupId).then(
      (b) => setBoard(b),
      (e: Error) => setLoadError(e.message),
    );
  useEffect(() => {
    void load();
  }, [groupId]);
  /** A change through `act`, the board read again before the notice is shown. */
  const run = (what: () => Promise<unknown>, done: string) =>
    act(async () => {
      try {
        await what();
      } finally {
        await load();
      }
    }, done);

  useEffect(() => {
    if (focusTask !== null) boardRef.current?.querySelector<HTMLElement>(`[data-task="${focusTask}"]`)?.focus();
  });

  // Drag and drop across columns (SortableJS, pointer-based): the DOM move is undone at once and the
  // same REST move as the keyboard's is made, so Preact keeps owning the cards.
  const moveRef = useRef<(taskId: number, from: number, to: number) => void>(() => {});
  const stageKey = board?.stages.map((s) => s.id).join(',') ?? '';
  useEffect(() => {
    const root = boardRef.current;
    if (!root) return;
    const lists = [...root.querySelectorAll<HTMLElement>('ul.cards')];
    const sortables = lists.map((el) =>
      Sortable.create(el, {
        group: 'sprint-board',
        animation: 120,
        forceFallback: true,
        handle: '.drag',
        onEnd: (evt) => {
          const from = Number(evt.from.dataset.stage);
          const to = Number(evt.to.dataset.stage);
          const taskId = Number(evt.item.dataset.task);
          evt.item.remove();
          evt.from.insertBefore(evt.item, evt.from.children[evt.oldIndex ?? 0] ?? null);
          if (from !== to) moveRef.current(taskId, from, to);
        },
      }),
    );
    return () => sortables.forEach((s) => s.destroy());
  }, [stageKey, board?.sprint?.id]);

  if (!board) {
    return loadError ? <p role="alert" class="error">The sprint board cannot be shown: {loadError}</p> : <p class="loading">Loading the sprint…</p>;
  }
  const sprint = board.sprint;
  if (!sprint) {
    return (
      <p>
        No active sprint. <a href={`#/g/${groupId}/planning`}>Start one in Planning</a>.
      </p>
    );
  }
  const stages = board.stages;
  const stageName = (id: number) => stages.find((s) => s.id === id)?.name ?? `stage ${id}`;
  const inStage = (id: number) => board.tasks.filter((t) => t.stageIds.includes(id));

  /** Moves a task to another column: kanban.deleteTask then kanban.addTask, in one batch. */
  const moveTask = (taskId: number, to: number) => {
    const card = board.tasks.find((t) => t.taskId === taskId);
    if (!card) return;
    setFocusTask(taskId);
    const q = `sprintId=${sprint.id}&taskId=${taskId}`;
    void run(
      () => batch({ off: `tasks.api.scrum.kanban.deleteTask?${q}`, on: `tasks.api.scrum.kanban.addTask?${q}&stageId=${to}` }, () => `"${card.title}" was not moved`),
      `Moved "${card.title}" to ${stageName(to)}`,
    );
  };
  moveRef.current = (taskId, _from, to) => moveTask(taskId, to);

  const onCardKey = (e: KeyboardEvent, card: Card, index: number) => {
    if (!e.altKey && !e.ctrlKey) return;
    const to = e.key === 'ArrowLeft' ? stages[index - 1] : e.key === 'ArrowRight' ? stages[index + 1] : undefined;
    if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') e.preventDefault();
    if (to) moveTask(card.taskId, to.id);
  };

  /** Writes the stages' sorts 100, 200, … in this order (only those that change). */
  const reorder = (order: Stage[], moved: Stage) => {
    const cmd: Record<string, string> = {};
    order.forEach((s, k) => {
      if (s.sort !== (k + 1) * 100) cmd[`s${s.id}`] = `tasks.api.scrum.kanban.updateStage?stageId=${s.id}&fields[sort]=${(k + 1) * 100}`;
    });
    void run(() => batch(cmd, () => `The stage "${moved.name}" was not moved`), `Moved the stage "${moved.name}" to place ${order.indexOf(moved) + 1}`);
  };
  const shiftStage = (i: number, delta: number) => {
    const order = [...stages];
    const [s] = order.splice(i, 1);
    order.splice(i + delta, 0, s!);
    reorder(order, s!);
  };

  const deleteStage = (s: Stage) => {
    const count = inStage(s.id).length;
    void run(async () => {
      const ok = await call<boolean>('tasks.api.scrum.kanban.deleteStage', { stageId: s.id });
      // The REST method answers only `false` (scrum-api.md C3.4, B9): the board names the reason the
      // reference records, which it can see itself (the only refusal is "Stage has tasks").
      if (ok === false) throw new Error(count > 0 ? `The stage "${s.name}" was not deleted: Stage has tasks (${count})` : `The stage "${s.name}" was not deleted`);
    }, `Deleted the stage "${s.name}"`);
  };

  // what sprint.complete moves (scrum-api.md C2.4): open tasks in a column that is not FINISH
  const finish = new Set(stages.filter((x) => x.type === 'FINISH').map((x) => x.id));
  const open = board.tasks.filter((t) => t.status !== COMPLETED && !t.stageIds.some((id) => finish.has(id))).length;
  const completeSprint = () => {
    setConfirming(false);
    void run(async () => {
      const r = await call('tasks.api.scrum.sprint.complete', { id: groupId });
      if (r === null) throw new Error(`"${sprint.name}" could not be completed`);
    }, `Completed "${sprint.name}"${open > 0 ? `: ${open} open ${open === 1 ? 'task' : 'tasks'} went back to the backlog` : ''}`);
  };

  const points = board.tasks.reduce((n, t) => n + (Number(t.storyPoints) || 0), 0);
  return (
    <>
      <div class="sprint-head">
        <h2 id="active-sprint-title">{sprint.name}</h2>
        <span class="badge active">active</span>
        <span class="muted">{day(sprint.dateStart)} → {day(sprint.dateEnd)} · {board.tasks.length} tasks · {points} story points</span>
        <button type="button" aria-label={`Complete ${sprint.name}`} aria-expanded={confirming} onClick={() => setConfirming(true)}>Complete sprint</button>
      </div>
      {confirming && (
        <div class="card confirm" role="group" aria-label="Confirm the completion">
          <p>
            Complete "{sprint.name}"? {open > 0 ? `${open} open ${open === 1 ? 'task goes' : 'tasks go'} back to the backlog.` : 'No open task is left outside the finished stage.'}
          </p>
          <span class="actions">
            <button type="button" onClick={completeSprint}>Yes, complete the sprint</button>
            <button type="button" class="quiet" onClick={() => setConfirming(false)}>Cancel</button>
          </span>
        </div>
      )}
      {sprint.goal && <p class="goal">Goal: {sprint.goal}</p>}
      <p class="hint" id="card-hint">Drag a card by its handle to another column, or focus it and press Alt+← or Alt+→.</p>
      <div class="kanban" ref={boardRef} role="group" aria-labelledby="active-sprint-title" style={{ '--columns': String(Math.max(stages.length, 1)) }}>
        {stages.map((s, i) => {
          const cards = inStage(s.id);
          return (
            <section key={s.id} class="column" aria-label={`Stage ${s.name}`} style={{ borderTopColor: `#${s.color}` }}>
              <StageHead
                stage={s}
                count={cards.length}
                first={i === 0}
                last={i === stages.length - 1}
                onRename={(name) =>
                  run(async () => {
                    const ok = await call<boolean>('tasks.api.scrum.kanban.updateStage', { stageId: s.id, fields: { name } });
                    if (ok === false) throw new Error(`The stage "${s.name}" was not renamed`);
                  }, `Renamed the stage "${s.name}" to "${name}"`)
                }
                onShift={(d) => shiftStage(i, d)}
                onDelete={() => deleteStage(s)}
              />
              <ul class="cards" data-stage={s.id} aria-label={`Tasks in ${s.name}`}>
                {cards.map((c) => (
                  <li
                    key={c.taskId}
                    data-task={c.taskId}
                    class={c.status === COMPLETED ? 'card-task done' : 'card-task'}
                    tabIndex={0}
                    aria-describedby="card-hint"
                    aria-label={`${c.title}, ${c.storyPoints || 'no'} story points, in ${s.name}${c.status === COMPLETED ? ', completed' : ''}`}
                    onKeyDown={(e) => onCardKey(e, c, i)}
                  >
                    <span class="drag" aria-hidden="true" title="Drag to another stage">⠿</span>
                    <span class="title">{c.title}</span>
                    <span class="points" title="Story points">{c.storyPoints || '–'}</span>
                    <span class="muted resp">{c.responsible.name}</span>
                    <span class="actions">
                      <button type="button" aria-label={`Move ${c.title} to ${stages[i - 1]?.name ?? ''}`} disabled={i === 0} onClick={() => moveTask(c.taskId, stages[i - 1]!.id)}>←</button>
                      <button type="button" aria-label={`Move ${c.title} to ${stages[i + 1]?.name ?? ''}`} disabled={i === stages.length - 1} onClick={() => moveTask(c.taskId, stages[i + 1]!.id)}>→</button>
                      {c.status === COMPLETED ? (
                        <span class="done-mark" aria-label="Completed">✓</span>
                      ) : (
                        <button type="button" aria-label={`Complete ${c.title}`} onClick={() => run(() => call('tasks.task.complete', { taskId: c.taskId }), `Completed "${c.title}"`)}>✓</button>
                      )}
                    </span>
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
      <NewStage
        onAdd={(name, type) =>
          run(
            () => call('tasks.api.scrum.kanban.addStage', { fields: { sprintId: sprint.id, name, type, sort: (stages.at(-1)?.sort ?? 0) + 100 } }),
            `Added the stage "${name}"`,
          )
        }
      />
    </>
  );
}

function StageHead(props: { stage: Stage; count: number; first: boolean; last: boolean; onRename: (name: string) => Promise<boolean>; onShift: (d: number) => void; onDelete: () => void }) {
  const { stage: s } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(s.name);
  if (editing) {
    return (
      <form
        class="stage-head"
        onSubmit={async (e) => {
          e.preventDefault();
          if (await props.onRename(name)) setEditing(false);
        }}
      >
        <input aria-label={`New name of ${s.name}`} value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <button type="submit">Save</button>
        <button type="button" class="quiet" onClick={() => setEditing(false)}>Cancel</button>
      </form>
    );
  }
  return (
    <div class="stage-head">
      <h3>
        {s.name} <span class="muted">({props.count})</span>
      </h3>
      <span class="actions">
        <button type="button" class="quiet" aria-label={`Rename stage ${s.name}`} onClick={() => { setName(s.name); setEditing(true); }}>✎</button>
        <button type="button" class="quiet" aria-label={`Move stage ${s.name} left`} disabled={props.first} onClick={() => props.onShift(-1)}>◀</button>
        <button type="button" class="quiet" aria-label={`Move stage ${s.name} right`} disabled={props.last} onClick={() => props.onShift(1)}>▶</button>
        <button type="button" class="quiet" aria-label={`Delete stage ${s.name}`} onClick={props.onDelete}>×</button>
      </span>
    </div>
  );
}

function NewStage({ onAdd }: { onAdd: (name: string, type: string) => Promise<boolean> }) {
  const [name, setName] = useState('');
  const [type, setType] = useState('WORK');
  return (
    <form
      class="card"
      aria-labelledby="new-stage-title"
      onSubmit={async (e) => {
        e.preventDefault();
        if (await onAdd(name, type)) setName('');
      }}
    >
      <h2 id="new-stage-title">New stage</h2>
      <label>
        Stage name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        Stage type
        <select value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="NEW">New</option>
          <option value="WORK">In progress</option>
          <option value="FINISH">Finished</option>
        </select>
      </label>
      <button type="submit">Add stage</button>
    </form>
  );
}
