import { useState } from 'preact/hooks';
import { login } from './api';

export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [who, setWho] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState(new URLSearchParams(location.search).get('signin') === 'invalid' ? 'This sign-in link is unknown, already used or expired.' : '');
  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      await login(who, password);
      history.replaceState(null, '', location.pathname + location.hash);
      onSignedIn();
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <main class="signin">
      <h1>Sign in to the scrumd board</h1>
      <form onSubmit={submit}>
        <label>
          User id or e-mail
          <input name="login" autocomplete="username" value={who} onInput={(e) => setWho(e.currentTarget.value)} required />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required />
        </label>
        <button type="submit">Sign in</button>
        {error && <p role="alert" class="error">{error}</p>}
      </form>
      <p class="hint">
        No password yet? Run <code>scrumd login --user N</code> for a one-time sign-in link, or <code>scrumd user passwd --user N</code>.
      </p>
    </main>
  );
}
