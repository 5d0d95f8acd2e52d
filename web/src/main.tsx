import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, type Me } from './api';
import { SignIn } from './signin';
import { Groups } from './groups';
import { GroupPage } from './group';
import './style.css';

function useHash(): string {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();
  const load = () => currentSession().then(setMe, () => setMe(null));
  useEffect(() => void load(), []);
  if (me === undefined) return <p class="loading">Loading the board…</p>;
  if (me === null) return <SignIn onSignedIn={load} />;
  const m = /^#\/g\/(\d+)(?:\/([a-z-]+))?$/.exec(hash); // the tab: GroupPage (group.tsx) knows them
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">scrumd board</a>
        <span class="who" aria-label="Signed in as">{me.name}{me.isAdmin ? ' (administrator)' : ''}</span>
        <button type="button" onClick={() => logout().then(() => setMe(null))}>Sign out</button>
      </header>
      <main>{m ? <GroupPage me={me} groupId={Number(m[1])} tab={m[2] ?? 'backlog'} /> : <Groups me={me} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
