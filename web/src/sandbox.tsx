/**
 * The sandbox panel (administrators, when the server's control API is on): the request journal and the
 * event deliveries, refreshed live by polling while the page is visible, and the portal's state: reset,
 * snapshots saved, restored, deleted. Everything through the board's session-authenticated endpoints
 * under /_scrumd/board/api/sandbox/ (src/transport/boardRoutes.ts), which call the control API's functions.
 * Loaded on demand (a dynamic import from main.tsx): not part of the first screen's bundle.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { boardGet, boardSend } from './api';

interface JournalEntry {
  id: number;
  date: string;
  method: string;
  credential: { type: 'webhook' | 'oauth' | 'board'; id: number; user: number } | null;
  params: unknown;
  status: number;
  error: string | null;
  duration: number;
  batch?: number;
  command?: string;
}

interface Delivery {
  id: number;
  event_name: string;
  handler_id: number;
  url: string;
  status: string;
  attempts: number;
  response_code: number | null;
  response_ms: number | null;
  last_error: string | null;
  created_at: number;
}

interface Snapshot {
  name: string;
  created: number;
}

/** How often the journal and the deliveries are read again (ms). */
const POLL_MS = 1000;

function credentialText(c: JournalEntry['credential']): string {
  if (!c) return 'not signed in';
  if (c.type === 'board') return `board, user ${c.user}`;
  if (c.type === 'oauth') return `app ${c.id}, user ${c.user}`;
  return `webhook ${c.id}, user ${c.user}`;
}

function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString(undefined, { hour12: false });
}

function statusText(s: number): string {
  return s === -1 ? 'dropped' : String(s);
}

/** Runs `fn` now and every POLL_MS while `live` and the page is visible; returns "run now". */
function usePolling(fn: () => Promise<void>, live: boolean): () => void {
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const round = async () => {
      if (stopped) return;
      if (!document.hidden) await fnRef.current().catch(() => undefined);
      if (!stopped && live) timer = setTimeout(round, POLL_MS);
    };
    void round();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [live, tick]);
  return () => setTick((n) => n + 1);
}

function JournalRow({ e }: { e: JournalEntry }) {
  const [open, setOpen] = useState(false);
  const failed = e.status !== 200;
  return (
    <>
      <tr class={failed ? 'failed' : ''} data-entry={e.id}>
        <td>{clock(e.date)}</td>
        <td class="method">
          {e.method || '—'}
          {e.command !== undefined && <span class="muted"> (batch {e.batch}, {e.command})</span>}
        </td>
        <td>{credentialText(e.credential)}</td>
        <td>{statusText(e.status)}</td>
        <td>{e.error ?? ''}</td>
        <td class="num">{e.duration.toFixed(1)} ms</td>
        <td>
          <button type="button" class="quiet small" aria-expanded={open} aria-label={`Parameters of call ${e.id} (${e.method})`} onClick={() => setOpen(!open)}>
            {open ? 'Hide' : 'Show'}
          </button>
        </td>
      </tr>
      {open && (
        <tr class="details">
          <td colSpan={7}>
            <p class="hint">Parameters as the call parsed them (credentials masked). The journal does not record answers: the status and error code are shown above.</p>
            <pre>{JSON.stringify(e.params, null, 2)}</pre>
          </td>
        </tr>
      )}
    </>
  );
}

export function SandboxPanel() {
  const [live, setLive] = useState(true);
  const [method, setMethod] = useState('');
  const [journal, setJournal] = useState<JournalEntry[] | null>(null);
  const [deliveries, setDeliveries] = useState<Delivery[] | null>(null);
  const [snapshots, setSnapshots] = useState<Snapshot[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirmReset, setConfirmReset] = useState(false);

  const refresh = usePolling(async () => {
    const q = new URLSearchParams({ limit: '100' });
    if (method.trim() !== '') q.set('method', method.trim());
    const [j, d] = await Promise.all([boardGet<JournalEntry[]>(`/sandbox/journal?${q}`), boardGet<Delivery[]>('/sandbox/deliveries?limit=50')]);
    setJournal(j);
    setDeliveries(d);
  }, live);

  const loadSnapshots = () => boardGet<Snapshot[]>('/sandbox/snapshots').then(setSnapshots, (e: Error) => setError(e.message));
  useEffect(() => void loadSnapshots(), []);

  const act = async (what: () => Promise<unknown>, done: string) => {
    setError('');
    setNotice('');
    setBusy(true);
    try {
      await what();
      setNotice(done);
      await loadSnapshots();
      refresh();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const save = (ev: Event) => {
    ev.preventDefault();
    const n = name.trim();
    void act(() => boardSend('POST', `/sandbox/snapshots/${encodeURIComponent(n)}`), `Snapshot ${n} saved.`).then(() => setName(''));
  };

  return (
    <section aria-labelledby="sandbox-title" class="sandbox">
      <h1 id="sandbox-title">Sandbox</h1>
      <p class="hint">What integrations did to this portal: every REST call (webhooks, applications, this board) and every event delivery. Administrators only.</p>
      {error && <p role="alert" class="error">{error}</p>}
      <p role="status" class="notice">{notice}</p>

      <section aria-labelledby="state-title" class="card state">
        <h2 id="state-title">State</h2>
        <form onSubmit={save} class="snapshot-form">
          <label>
            Snapshot name
            <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,23}" maxLength={24} required placeholder="before-test" />
          </label>
          <button type="submit" disabled={busy || name.trim() === ''}>Save snapshot</button>
        </form>
        <div class="reset">
          {confirmReset ? (
            <>
              <span>Empty the portal (user 1 and its webhooks stay)?</span>
              <button type="button" class="danger" disabled={busy} onClick={() => void act(() => boardSend('POST', '/sandbox/reset'), 'The portal was reset.').then(() => setConfirmReset(false))}>
                Confirm reset
              </button>
              <button type="button" class="quiet" onClick={() => setConfirmReset(false)}>Cancel</button>
            </>
          ) : (
            <button type="button" class="quiet" disabled={busy} onClick={() => setConfirmReset(true)}>Reset the portal…</button>
          )}
        </div>
        <div class="snapshots">
          <h3>Snapshots</h3>
          {snapshots === null ? (
            <p class="loading">Loading snapshots…</p>
          ) : snapshots.length === 0 ? (
            <p class="muted">No snapshot saved.</p>
          ) : (
            <ul class="items compact" aria-label="Snapshots">
              {snapshots.map((s) => (
                <li key={s.name}>
                  <span class="line">
                    <span class="title">{s.name}</span>
                    <span class="muted">{new Date(s.created * 1000).toLocaleString()}</span>
                  </span>
                  <span class="actions">
                    <button type="button" disabled={busy} aria-label={`Restore snapshot ${s.name}`} onClick={() => void act(() => boardSend('POST', `/sandbox/snapshots/${encodeURIComponent(s.name)}/restore`), `Snapshot ${s.name} restored.`)}>
                      Restore
                    </button>
                    <button type="button" disabled={busy} aria-label={`Delete snapshot ${s.name}`} onClick={() => void act(() => boardSend('DELETE', `/sandbox/snapshots/${encodeURIComponent(s.name)}`), `Snapshot ${s.name} deleted.`)}>
                      Delete
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>

      <div class="toolbar">
        <label class="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive((e.target as HTMLInputElement).checked)} />
          Live updates
        </label>
        <label class="inline">
          Method
          <input type="search" value={method} placeholder="tasks.api.scrum.*" onInput={(e) => setMethod((e.target as HTMLInputElement).value)} />
        </label>
        <button type="button" class="quiet" onClick={refresh}>Refresh now</button>
      </div>

      <section aria-labelledby="journal-title">
        <h2 id="journal-title">Request journal</h2>
        {journal === null ? (
          <p class="loading">Loading the journal…</p>
        ) : journal.length === 0 ? (
          <p class="muted">No call recorded yet.</p>
        ) : (
          <div class="scroll-x">
            <table class="log" aria-label="Request journal, newest first">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Method</th>
                  <th scope="col">Credential</th>
                  <th scope="col">Status</th>
                  <th scope="col">Error</th>
                  <th scope="col">Duration</th>
                  <th scope="col">Parameters</th>
                </tr>
              </thead>
              <tbody>
                {journal.map((e) => (
                  <JournalRow key={e.id} e={e} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Event deliveries</h2>
        {deliveries === null ? (
          <p class="loading">Loading the deliveries…</p>
        ) : deliveries.length === 0 ? (
          <p class="muted">No event delivered yet.</p>
        ) : (
          <div class="scroll-x">
            <table class="log" aria-label="Event deliveries, newest first">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Event</th>
                  <th scope="col">Handler</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Response</th>
                </tr>
              </thead>
              <tbody>
                {deliveries.map((d) => (
                  <tr key={d.id} class={d.status === 'failed' ? 'failed' : ''} data-delivery={d.id}>
                    <td class="num">{d.id}</td>
                    <td class="method">{d.event_name}</td>
                    <td class="url" title={d.last_error ?? undefined}>
                      {d.url}
                    </td>
                    <td>{d.status}</td>
                    <td class="num">{d.attempts}</td>
                    <td>
                      {d.response_code ?? '—'}
                      {d.response_ms !== null && <span class="muted"> {d.response_ms} ms</span>}
                      {d.last_error && <span class="muted"> {d.last_error}</span>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}
