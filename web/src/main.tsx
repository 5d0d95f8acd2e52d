import { render, type JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, logout, type Me } from './api';
import { setPortalZone } from './dates';
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

/** The sandbox panel, loaded on first visit (not in the first screen's bundle). */
function Sandbox() {
  const [Panel, setPanel] = useState<(() => JSX.Element) | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    import('./sandbox').then((m) => setPanel(() => m.SandboxPanel), () => setFailed(true));
  }, []);
  if (failed) return <p role="alert" class="error">The sandbox panel could not be loaded: reload the page.</p>;
  return Panel ? <Panel /> : <p class="loading">Loading the sandbox…</p>;
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const hash = useHash();
  const load = () =>
    currentSession().then(
      (m) => {
        setPortalZone(m?.timeZone);
        setMe(m);
      },
      () => setMe(null),
    );
  useEffect(() => void load(), []);
  if (me === undefined) return <p class="loading">Loading the board…</p>;
  if (me === null) return <SignIn onSignedIn={load} />;
  const m = /^#\/g\/(\d+)(?:\/([a-z-]+))?$/.exec(hash); // the tab: GroupPage (group.tsx) knows them
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">scrumd board</a>
        {me.sandbox && (
          <a href="#/sandbox" class="nav" aria-current={hash === '#/sandbox' ? 'page' : undefined}>
            Sandbox
          </a>
        )}
        <span class="who" aria-label="Signed in as">{me.name}{me.isAdmin ? ' (administrator)' : ''}</span>
        <button type="button" onClick={() => logout().then(() => setMe(null))}>Sign out</button>
      </header>
      <main>{m ? <GroupPage me={me} groupId={Number(m[1])} tab={m[2] ?? 'backlog'} /> : hash === '#/sandbox' && me.sandbox ? <Sandbox /> : <Groups me={me} />}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
