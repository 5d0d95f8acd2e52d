import { useEffect, useState } from 'preact/hooks';
import { call, callPage, setUserPassword, type Me } from './api';

interface Group {
  ID: string;
  NAME: string;
  SCRUM_MASTER_ID?: string | null;
  NUMBER_OF_MEMBERS?: string;
}

/**
 * Every group the user may list, with its Scrum master: socialnetwork.api.workgroup.list selects
 * SCRUM_MASTER_ID (sonet_group.get has no such field, so a filter on it found no group at all).
 */
async function listGroups(me: Me): Promise<Group[]> {
  type Row = { id: string; name: string; scrumMasterId: string | null; numberOfMembers: string };
  const out: Group[] = [];
  let start: number | undefined = 0;
  for (let i = 0; i < 40 && start !== undefined; i++) {
    const page: { result: { workgroups: Row[] }; next?: number } = await callPage('socialnetwork.api.workgroup.list', {
      select: ['ID', 'NAME', 'SCRUM_MASTER_ID', 'NUMBER_OF_MEMBERS'],
      order: { NAME: 'ASC' },
      ...(me.isAdmin ? { params: { IS_ADMIN: 'Y' } } : {}),
      start,
    });
    for (const r of page.result.workgroups) out.push({ ID: r.id, NAME: r.name, SCRUM_MASTER_ID: r.scrumMasterId, NUMBER_OF_MEMBERS: r.numberOfMembers });
    start = page.next;
  }
  return out;
}

/** The Scrum groups the user belongs to (administrators: all), by the REST methods themselves. */
async function scrumGroups(me: Me): Promise<Group[]> {
  const all = await listGroups(me);
  let mine: Set<string> | undefined;
  if (!me.isAdmin) {
    const rel = await call<{ GROUP_ID: string }[]>('sonet_group.user.groups');
    mine = new Set(rel.map((r) => String(r.GROUP_ID)));
  }
  return all.filter((g) => g.SCRUM_MASTER_ID && Number(g.SCRUM_MASTER_ID) > 0 && (!mine || mine.has(String(g.ID))));
}

export function Groups({ me }: { me: Me }) {
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [error, setError] = useState('');
  const [name, setName] = useState('');
  const [master, setMaster] = useState(String(me.userId));
  const [members, setMembers] = useState('');
  const [busy, setBusy] = useState(false);
  const load = () => scrumGroups(me).then(setGroups, (e: Error) => setError(e.message));
  useEffect(() => void load(), []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError('');
    setBusy(true);
    try {
      const id = await call<number>('sonet_group.create', { NAME: name, PROJECT: 'Y', VISIBLE: 'N', OPENED: 'N', SCRUM_MASTER_ID: Number(master) });
      await call('tasks.api.scrum.backlog.add', { fields: { groupId: id, createdBy: me.userId } });
      const ids = members.split(/[\s,]+/).filter((x) => /^\d+$/.test(x)).map(Number);
      if (Number(master) !== me.userId && !ids.includes(Number(master))) ids.push(Number(master));
      if (ids.length > 0) await call('sonet_group.user.add', { GROUP_ID: id, USER_ID: ids });
      setName('');
      setMembers('');
      location.hash = `#/g/${id}/backlog`;
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  // Until the list is there, only the heading: the forms come with it, so nothing moves once it is (no layout shift).
  if (groups === null && !error) {
    return (
      <section aria-labelledby="groups-title">
        <h1 id="groups-title">Scrum groups</h1>
        <p class="loading">Loading groups…</p>
      </section>
    );
  }
  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">Scrum groups</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {groups === null ? (
        <p class="loading">Loading groups…</p>
      ) : groups.length === 0 ? (
        <p>No Scrum group yet.</p>
      ) : (
        <ul class="groups" aria-label="Scrum groups">
          {groups.map((g) => (
            <li key={g.ID}>
              <a href={`#/g/${g.ID}/backlog`}>{g.NAME}</a>
              <span class="muted"> · {g.NUMBER_OF_MEMBERS ?? '?'} members</span>
            </li>
          ))}
        </ul>
      )}
      <form class="card" onSubmit={create} aria-labelledby="new-group-title">
        <h2 id="new-group-title">New Scrum group</h2>
        <label>
          Group name
          <input value={name} onInput={(e) => setName(e.currentTarget.value)} required maxLength={255} />
        </label>
        <label>
          Scrum master (user id)
          <input value={master} inputMode="numeric" pattern="[0-9]+" onInput={(e) => setMaster(e.currentTarget.value)} required />
        </label>
        <label>
          Members (user ids, comma-separated)
          <input value={members} onInput={(e) => setMembers(e.currentTarget.value)} placeholder="e.g. 2, 3" />
        </label>
        <button type="submit" disabled={busy}>Create group</button>
      </form>
      <PasswordForm me={me} />
    </section>
  );
}

/** Administrators set anyone's password; a user their own. */
function PasswordForm({ me }: { me: Me }) {
  const [user, setUser] = useState(String(me.userId));
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const [error, setError] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    setMessage('');
    setError('');
    try {
      await setUserPassword(Number(user), password);
      setPassword('');
      setMessage(`Password set for user ${user}`);
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="password-title">
      <h2 id="password-title">{me.isAdmin ? 'Set a password' : 'Change my password'}</h2>
      {me.isAdmin && (
        <label>
          User id
          <input value={user} inputMode="numeric" pattern="[0-9]+" onInput={(e) => setUser(e.currentTarget.value)} required />
        </label>
      )}
      <label>
        New password
        <input type="password" autocomplete="new-password" minLength={8} value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
      </label>
      <button type="submit">Set password</button>
      {message && <p role="status" class="notice">{message}</p>}
      {error && <p role="alert" class="error">{error}</p>}
    </form>
  );
}
