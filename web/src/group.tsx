import { useEffect, useState } from 'preact/hooks';
import { call, groupPlan, setSprintGoal, type Me, type Plan, type PlanEntity } from './api';
import { Backlog, ItemLine } from './backlog';
import { ActiveSprint } from './kanban';
import { ChartsTab, EpicsTab } from './lazyTabs';
import type { JSX } from 'preact';
import { day } from './dates';

/**
 * The group's tabs, in order: [hash segment, label, screen]. Another screen is one line here
 * (engineers A and C add theirs); an unknown segment shows the backlog.
 */
type Screen = (p: { me: Me; plan: Plan; act: Act; reload: () => Promise<void> }) => JSX.Element;
const TABS: [string, string, Screen][] = [
  ['backlog', 'Backlog', (p) => <Backlog {...p} />],
  ['planning', 'Planning', (p) => <Planning {...p} />],
  ['sprint', 'Sprint', (p) => <ActiveSprint {...p} />],
  ['epics', 'Epics', (p) => <EpicsTab {...p} />],
  ['charts', 'Charts', (p) => <ChartsTab {...p} />],
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

function Planning({ me, plan, act }: { me: Me; plan: Plan; act: Act }) {
  const today = new Date().toISOString().slice(0, 10);
  const inTwoWeeks = new Date(Date.now() + 14 * 86400_000).toISOString().slice(0, 10);
  const [name, setName] = useState(`Sprint ${plan.sprints.length + 1}`);
  const [start, setStart] = useState(today);
  const [end, setEnd] = useState(inTwoWeeks);
  const [editing, setEditing] = useState<number | null>(null);
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
            {editing === s.id && <EditSprint s={s} act={act} done={() => setEditing(null)} />}
            <div class="sprint-head">
              <strong>{s.name}</strong>
              <span class={`badge ${s.status}`}>{s.status}</span>
              <span class="muted">{day(s.dateStart)} → {day(s.dateEnd)} · {s.items.length} items · {s.storyPoints} story points</span>
              {s.goal && <span class="goal">Goal: {s.goal}</span>}
              {s.status !== 'completed' && editing !== s.id && (
                <button type="button" class="quiet" aria-label={`Edit ${s.name}`} onClick={() => setEditing(s.id)}>
                  Edit
                </button>
              )}
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

/**
 * Edits a sprint: name and dates through tasks.api.scrum.sprint.update (only what changed), the goal
 * through the board's own write (REST cannot set it; the product sets it in its start dialog).
 */
function EditSprint({ s, act, done }: { s: PlanEntity; act: Act; done: () => void }) {
  const [name, setName] = useState(s.name);
  const [goal, setGoal] = useState(s.goal);
  const [start, setStart] = useState(day(s.dateStart));
  const [end, setEnd] = useState(day(s.dateEnd));
  const save = async (e: Event) => {
    e.preventDefault();
    const ok = await act(async () => {
      const fields: Record<string, unknown> = {};
      if (name !== s.name) fields.name = name;
      if (start !== day(s.dateStart)) fields.dateStart = start;
      if (end !== day(s.dateEnd)) fields.dateEnd = end;
      if (Object.keys(fields).length > 0) await call('tasks.api.scrum.sprint.update', { id: s.id, fields });
      if (goal !== s.goal) await setSprintGoal(s.id, goal);
    }, `Saved "${name}"`);
    if (ok) done();
  };
  return (
    <form class="card edit" onSubmit={save} aria-label={`Edit ${s.name}`}>
      <label>
        Name of the sprint
        <input value={name} onInput={(e) => setName(e.currentTarget.value)} required />
      </label>
      <label>
        Sprint goal
        <input value={goal} maxLength={1000} onInput={(e) => setGoal(e.currentTarget.value)} />
      </label>
      <label>
        Sprint start
        <input type="date" value={start} onInput={(e) => setStart(e.currentTarget.value)} required />
      </label>
      <label>
        Sprint end
        <input type="date" value={end} onInput={(e) => setEnd(e.currentTarget.value)} required />
      </label>
      <span class="actions">
        <button type="submit">Save sprint</button>
        <button type="button" class="quiet" onClick={done}>Cancel</button>
      </span>
    </form>
  );
}
