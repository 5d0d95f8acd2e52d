/**
 * Charts (a lazily loaded chunk, see lazyTabs.tsx): a started sprint's burndown — remaining story
 * points per day against the ideal line, scope added and removed during the sprint shown as such — and
 * the group's velocity (completed story points per completed sprint). The numbers come from the board's
 * JSON API (src/board/charts.ts), computed exactly from the recorded sprint history; the charts are
 * drawn by uPlot and every number is also in a table (what a screen reader reads).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { TabProps } from './lazyTabs';

// One definition with the server's (src/domain/scrum/historyTypes.ts), imported type-only.
import type { BurndownAnswer as Burndown, Velocity } from '@scrumd/domain/scrum/historyTypes';

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(`/_scrumd/board/api/${path}`, { credentials: 'same-origin' });
  let body: any;
  try {
    body = await res.json();
  } catch {
    throw new Error(`The server answered ${res.status}`);
  }
  if (!res.ok || body?.error !== undefined) throw new Error(String(body?.error_description || body?.error || `HTTP ${res.status}`));
  return body.result as T;
}

const HEIGHT = 260;

/** A uPlot chart that follows its container's width. */
function Plot({ label, opts, data }: { label: string; opts: Omit<uPlot.Options, 'width' | 'height'>; data: uPlot.AlignedData }) {
  const ref = useRef<HTMLDivElement>(null);
  // drawn before the browser paints: the chart never appears after the space around it
  useLayoutEffect(() => {
    const el = ref.current!;
    const width = () => Math.max(260, Math.floor(el.clientWidth));
    const u = new uPlot({ ...opts, width: width(), height: HEIGHT } as uPlot.Options, data, el);
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height: HEIGHT }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [data]);
  return <div ref={ref} class="plot" role="img" aria-label={label} />;
}

const fmt = (n: number | null | undefined) => (n === null || n === undefined ? '—' : String(Math.round(n * 100) / 100));

function BurndownView({ b }: { b: Burndown }) {
  if (!b.history) {
    return <p class="muted" role="note">No burndown for {b.name}: {b.reason}</p>;
  }
  // x = 0 is the start, then the end of each day
  const labels = ['start', ...b.days.map((d) => d.date.slice(5))];
  const xs = labels.map((_, i) => i);
  const remaining = [b.startRemaining ?? 0, ...b.days.map((d) => d.remaining)];
  const ideal = [b.startRemaining ?? 0, ...b.days.map((d) => d.ideal)];
  // scope change per day as bars: added up, removed down
  const added = [0, ...b.days.map((d) => d.added)];
  const removed = [0, ...b.days.map((d) => -d.removed)];
  const data = [xs, remaining, ideal, added, removed] as unknown as uPlot.AlignedData;
  const opts = {
    scales: { x: { time: false } },
    axes: [{ values: (_u: uPlot, splits: number[]) => splits.map((i) => labels[i] ?? '') }, { label: 'story points' }],
    series: [
      { label: 'Day', value: (_u: uPlot, i: number | null) => (i === null ? '' : labels[i] ?? '') },
      { label: 'Remaining', stroke: '#2d6cdf', width: 2, points: { show: true } },
      { label: 'Ideal', stroke: '#8a94a3', dash: [6, 4], width: 1.5 },
      { label: 'Scope added', stroke: '#1f6b36', fill: '#2ec27e99', paths: uPlot.paths.bars!({ size: [0.25, 24], align: -1 }), points: { show: false } },
      { label: 'Scope removed', stroke: '#a51d2d', fill: '#e01b2499', paths: uPlot.paths.bars!({ size: [0.25, 24], align: 1 }), points: { show: false } },
    ],
  };
  return (
    <>
      <dl class="figures" aria-label="Burndown figures">
        <div><dt>At the start</dt><dd>{fmt(b.startScope)}</dd></div>
        <div><dt>Scope added</dt><dd>{fmt(b.scopeAdded)}</dd></div>
        <div><dt>Scope removed</dt><dd>{fmt(b.scopeRemoved)}</dd></div>
        <div><dt>Completed</dt><dd>{fmt(b.completed)}</dd></div>
        <div><dt>Remaining</dt><dd>{fmt(b.remaining)}</dd></div>
      </dl>
      <figure class="chart" aria-label="Burndown chart" data-remaining={JSON.stringify(remaining)} data-ideal={JSON.stringify(ideal)} data-added={JSON.stringify(added)} data-removed={JSON.stringify(removed)}>
        <Plot label={`Burndown of ${b.name}: remaining story points per day against the ideal line, with the scope added and removed per day`} opts={opts} data={data} />
      </figure>
      <div class="table-wrap">
        <table aria-label="Burndown by day">
          <thead>
            <tr><th scope="col">Day</th><th scope="col">Remaining</th><th scope="col">Ideal</th><th scope="col">Added</th><th scope="col">Removed</th><th scope="col">Completed</th></tr>
          </thead>
          <tbody>
            {b.days.map((d) => (
              <tr key={d.date}>
                <th scope="row">{d.date}</th>
                <td>{fmt(d.remaining)}</td>
                <td>{fmt(d.ideal)}</td>
                <td class={d.added ? 'added' : ''}>{d.added ? `+${fmt(d.added)}` : '0'}</td>
                <td class={d.removed ? 'removed' : ''}>{d.removed ? `−${fmt(d.removed)}` : '0'}</td>
                <td>{fmt(d.completed)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function VelocityView({ v }: { v: Velocity }) {
  if (v.sprints.length === 0) return <p class="muted">No completed sprint yet.</p>;
  const labels = v.sprints.map((s) => s.name);
  const xs = labels.map((_, i) => i);
  const data = [xs, v.sprints.map((s) => s.completed), v.sprints.map((s) => s.committed)] as unknown as uPlot.AlignedData;
  const opts = {
    // one slot per sprint, bars from 0
    scales: {
      x: { time: false, auto: false, min: -0.6, max: labels.length - 0.4 },
      y: { range: (_u: uPlot, _min: number, max: number) => [0, max > 0 ? Math.ceil(max * 1.15) : 1] as [number, number] },
    },
    axes: [{ values: (_u: uPlot, splits: number[]) => splits.map((i) => (Number.isInteger(i) ? labels[i] ?? '' : '')) }, { label: 'story points' }],
    series: [
      { label: 'Sprint', value: (_u: uPlot, i: number | null) => (i === null ? '' : labels[i] ?? '') },
      { label: 'Completed', stroke: '#26703a', fill: '#26703a88', paths: uPlot.paths.bars!({ size: [0.5, 60] }), points: { show: false } },
      { label: 'Committed', stroke: '#8a94a3', width: 1.5, points: { show: true } },
    ],
  };
  return (
    <>
      <p>Average: <strong>{fmt(v.average)}</strong> story points per sprint</p>
      <figure class="chart" aria-label="Velocity chart" data-completed={JSON.stringify(v.sprints.map((s) => s.completed))}>
        <Plot label="Velocity: completed story points per completed sprint" opts={opts} data={data} />
      </figure>
      <div class="table-wrap">
        <table aria-label="Velocity by sprint">
          <thead>
            <tr><th scope="col">Sprint</th><th scope="col">Committed</th><th scope="col">Completed</th></tr>
          </thead>
          <tbody>
            {v.sprints.map((s) => (
              <tr key={s.sprintId}>
                <th scope="row">{s.name}</th>
                <td>{s.history ? fmt(s.committed) : 'no history'}</td>
                <td>{s.history ? fmt(s.completed) : 'no history'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

export function Charts({ plan }: TabProps) {
  const started = plan.sprints.filter((s) => s.status === 'active' || s.status === 'completed');
  const initial = started.find((s) => s.status === 'active') ?? started[started.length - 1];
  const [sprintId, setSprintId] = useState<number | null>(initial?.id ?? null);
  const [b, setB] = useState<Burndown | null>(null);
  const [v, setV] = useState<Velocity | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    // the previous sprint's burndown stays until the next one arrives (nothing collapses meanwhile)
    if (sprintId !== null) getJson<Burndown>(`sprints/${sprintId}/burndown`).then(setB, (e: Error) => setError(e.message));
  }, [sprintId, plan]);
  useEffect(() => {
    getJson<Velocity>(`groups/${plan.group.id}/velocity`).then(setV, (e: Error) => setError(e.message));
  }, [plan]);
  // both charts appear at once, so that neither moves the other when its data arrives
  if (!error && (!v || (started.length > 0 && !b))) return <p class="loading chart-space">Loading the charts…</p>;
  return (
    <div class="charts">
      {error && <p role="alert" class="error">{error}</p>}
      <section aria-labelledby="burndown-title" class="chart-block">
        <div class="chart-head">
          <h2 id="burndown-title">Burndown</h2>
          {started.length > 0 && (
            <label class="inline">
              Sprint
              <select value={sprintId ?? ''} onChange={(e) => setSprintId(Number(e.currentTarget.value))}>
                {started.map((s) => (
                  <option key={s.id} value={s.id}>{s.name} ({s.status})</option>
                ))}
              </select>
            </label>
          )}
        </div>
        {started.length === 0 ? <p class="muted">No sprint has started yet.</p> : b ? <BurndownView b={b} /> : <p class="loading chart-space">Loading the burndown…</p>}
      </section>
      <section aria-labelledby="velocity-title" class="chart-block">
        <h2 id="velocity-title">Velocity</h2>
        {v ? <VelocityView v={v} /> : <p class="loading chart-space">Loading the velocity…</p>}
      </section>
    </div>
  );
}
