/**
 * Epics (a lazily loaded chunk, see lazyTabs.tsx): the group's epics with their tasks and progress
 * (completed tasks and story points of the epic's items in the backlog and the sprints), creating and
 * editing one (name, description, colour). Every change is the REST method tasks.api.scrum.epic.*
 * as the signed-in user.
 */
import { useEffect, useState } from 'preact/hooks';
import { callAll, call, type PlanItem } from './api';
import type { TabProps } from './lazyTabs';

interface Epic {
  id: number;
  groupId: number;
  name: string;
  description: string;
  color: string;
}

const COMPLETED = 5;
const DEFAULT_COLOR = '#69dafc';

function numeric(sp: string): number {
  const n = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(sp) ? Number(sp) : 0;
  return Number.isFinite(n) ? n : 0;
}

/** The description as plain text (the service keeps it as HTML; the board shows no markup). */
function plain(html: string): string {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  return doc.body.textContent ?? '';
}

function EpicForm({ initial, submitLabel, onSubmit, onCancel }: {
  initial: { name: string; description: string; color: string };
  submitLabel: string;
  onSubmit: (v: { name: string; description: string; color: string }) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(initial.name);
  const [description, setDescription] = useState(initial.description);
  const [color, setColor] = useState(initial.color || DEFAULT_COLOR);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (await onSubmit({ name, description, color })) {
      if (!onCancel) {
        setName('');
        setDescription('');
      }
    }
  };
  return (
    <form class="card epic-form" onSubmit={submit} aria-label={submitLabel}>
      <label>
        Epic name
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={255} />
      </label>
      <label>
        Epic description
        <textarea value={description} onInput={(e) => setDescription(e.currentTarget.value)} rows={2} />
      </label>
      <label>
        Epic colour
        <input type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button type="submit">{submitLabel}</button>
        {onCancel && <button type="button" class="quiet" onClick={onCancel}>Cancel</button>}
      </div>
    </form>
  );
}

export function Epics({ me, plan, act }: TabProps) {
  const [epics, setEpics] = useState<Epic[] | null>(null);
  const [error, setError] = useState('');
  const [editing, setEditing] = useState<number | null>(null);
  useEffect(() => {
    callAll<Epic>('tasks.api.scrum.epic.list', { filter: { GROUP_ID: plan.group.id }, order: { ID: 'ASC' } }).then(setEpics, (e: Error) => setError(e.message));
  }, [plan]);
  const items: (PlanItem & { where: string })[] = [
    ...(plan.backlog ? plan.backlog.items.map((it) => ({ ...it, where: 'Backlog' })) : []),
    ...plan.sprints.flatMap((s) => s.items.map((it) => ({ ...it, where: s.name }))),
  ];
  const add = (v: { name: string; description: string; color: string }) =>
    act(() => call('tasks.api.scrum.epic.add', { fields: { groupId: plan.group.id, name: v.name, description: v.description, color: v.color, createdBy: me.userId } }), `Created the epic "${v.name}"`);
  const update = (id: number, v: { name: string; description: string; color: string }) =>
    act(() => call('tasks.api.scrum.epic.update', { id, fields: { name: v.name, description: v.description, color: v.color } }), `Saved the epic "${v.name}"`).then((ok) => {
      if (ok) setEditing(null);
      return ok;
    });
  return (
    <div class="epics">
      {error && <p role="alert" class="error">{error}</p>}
      <h2>Epics</h2>
      {epics === null ? (
        <p class="loading">Loading the epics…</p>
      ) : epics.length === 0 ? (
        <p>No epic yet.</p>
      ) : (
        <ul class="epic-list" aria-label="Epics">
          {epics.map((e) => {
            const its = items.filter((it) => it.epic?.id === e.id);
            const done = its.filter((it) => it.status === COMPLETED);
            const points = its.reduce((a, it) => a + numeric(it.storyPoints), 0);
            const donePoints = done.reduce((a, it) => a + numeric(it.storyPoints), 0);
            const pct = its.length === 0 ? 0 : Math.round((done.length / its.length) * 100);
            return (
              <li key={e.id} class="epic-card" style={{ borderLeftColor: e.color || DEFAULT_COLOR }} aria-label={`Epic ${e.name}`}>
                {editing === e.id ? (
                  <EpicForm initial={{ name: e.name, description: plain(e.description), color: e.color }} submitLabel={`Save ${e.name}`} onSubmit={(v) => update(e.id, v)} onCancel={() => setEditing(null)} />
                ) : (
                  <div class="sprint-head">
                    <span class="swatch" style={{ background: e.color || DEFAULT_COLOR }} aria-hidden="true" />
                    <strong class="epic-name">{e.name}</strong>
                    <span class="muted epic-progress">{done.length} of {its.length} tasks done · {donePoints} of {points} story points</span>
                    <button type="button" class="quiet" aria-label={`Edit epic ${e.name}`} onClick={() => setEditing(e.id)}>Edit</button>
                  </div>
                )}
                {editing !== e.id && e.description && <p class="epic-description">{plain(e.description)}</p>}
                <progress max={100} value={pct} aria-label={`Progress of ${e.name}`}>{pct}%</progress>
                {its.length > 0 && (
                  <ol class="items compact" aria-label={`Tasks of ${e.name}`}>
                    {its.map((it) => (
                      <li key={it.taskId}>
                        <span class="title">{it.title}</span>
                        <span class="muted">{it.where}{it.status === COMPLETED ? ' · done' : ''}</span>
                        <span class="points" aria-label="Story points">{it.storyPoints || '–'}</span>
                      </li>
                    ))}
                  </ol>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <h2 id="new-epic-title">New epic</h2>
      <EpicForm initial={{ name: '', description: '', color: DEFAULT_COLOR }} submitLabel="Create epic" onSubmit={add} />
    </div>
  );
}
