/** /oauth/authorize/ with its own sign-in-and-grant form (spec events.md §3, issue 13 §1). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp } from '../src/domain/oauth.js';
import { setPassword } from '../src/board/auth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { rawCall, startTestServer, type TestServer } from './helpers/harness.js';

const PASSWORD = 'correct horse battery';
const STATE = 'st"<b>&\'x';

let t: TestServer;
let made: { clientId: string; clientSecret: string };
before(async () => {
  t = await startTestServer();
  made = await addOauthApp(t.server.app.store.db, { title: 'Planner <b>&"', scopes: ['task', 'user'], redirectUri: 'https://app.example.com/cb?x=1#frag' }, nowSeconds());
});
after(() => t.close());

async function userWithPassword(): Promise<{ id: number; email: string }> {
  const u = await t.user();
  const db = t.server.app.store.db;
  await setPassword(db, u.userId, PASSWORD, nowSeconds());
  const row = await db.selectFrom('users').select('email').where('id', '=', u.userId).executeTakeFirstOrThrow();
  return { id: u.userId, email: row.email! };
}

function post(fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(`${t.origin}/oauth/authorize/`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function codeCount(): Promise<number> {
  const r = await t.server.app.store.db.selectFrom('oauth_codes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** The redirect's parameters, checked in the spec's order; the code exchanged for a token: its user. */
async function redirectUser(res: Response, state: string | undefined): Promise<number> {
  assert.equal(res.status, 302, await res.clone().text());
  const loc = res.headers.get('location')!;
  const m = /^https:\/\/app\.example\.com\/cb\?x=1&code=([0-9a-f]+)(&state=[^&]*)?&domain=([^&]+)&member_id=([0-9a-f]{32})&scope=task%2Cuser&server_domain=([^&#]+)#frag$/.exec(loc);
  assert.ok(m, loc);
  assert.equal(m[2], state === undefined ? undefined : `&state=${encodeURIComponent(state)}`);
  const host = new URL(t.origin).host;
  assert.equal(decodeURIComponent(m[3]!), host);
  assert.equal(decodeURIComponent(m[5]!), host);
  const tok = await rawCall(`${t.origin}/oauth/token/`, { grant_type: 'authorization_code', client_id: made.clientId, client_secret: made.clientSecret, code: m[1] }, 'get');
  assert.equal(tok.status, 200, tok.text);
  assert.equal(tok.body.member_id, m[4]);
  return tok.body.user_id as number;
}

describe('/oauth/authorize/ sign-in form', () => {
  test('GET without a signed-in user answers the form: fields, labels, app name and scopes, state carried, all escaped; strict CSP', async () => {
    const res = await fetch(`${t.origin}/oauth/authorize/?client_id=${encodeURIComponent(made.clientId)}&state=${encodeURIComponent(STATE)}&response_type=code`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /form-action 'self' https:\/\/app\.example\.com;/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    assert.match(html, /<form method="post" action="\/oauth\/authorize\/">/);
    assert.match(html, /<label for="login">[^<]+<\/label><input id="login" name="login"/);
    assert.match(html, /<label for="password">[^<]+<\/label><input id="password" name="password" type="password"/);
    assert.match(html, /<button type="submit">Grant access<\/button>/);
    assert.ok(html.includes(`<input type="hidden" name="client_id" value="${made.clientId}">`), html);
    assert.ok(html.includes('<input type="hidden" name="state" value="st&#34;&#60;b&#62;&#38;&#39;x">'), html);
    assert.ok(html.includes('<input type="hidden" name="response_type" value="code">'), html);
    assert.ok(html.includes('Planner &#60;b&#62;&#38;&#34;'), html);
    assert.ok(!html.includes('Planner <b>'));
    assert.match(html, /<li>task<\/li><li>user<\/li>/);
    assert.ok(html.includes(`Please log in to use the application ${made.clientId}.`));
  });

  test('POST with a wrong password: the form again with an error, no redirect, no code', async () => {
    const u = await userWithPassword();
    const before = await codeCount();
    for (const login of [u.email, String(u.id), 'nobody@example.com']) {
      const res = await post({ client_id: made.clientId, state: STATE, login, password: 'wrong password' });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('location'), null);
      const html = await res.text();
      assert.match(html, /Wrong login or password\./);
      assert.ok(html.includes('<input type="hidden" name="state" value="st&#34;&#60;b&#62;&#38;&#39;x">'), html);
      assert.ok(!html.includes('wrong password'), 'the password is not echoed');
    }
    // A password in the URL is not taken.
    const viaQuery = await fetch(`${t.origin}/oauth/authorize/?login=${u.id}&password=${encodeURIComponent(PASSWORD)}`, {
      method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `client_id=${made.clientId}`,
    });
    assert.equal(viaQuery.status, 200);
    assert.match(await viaQuery.text(), /Wrong login or password\./);
    assert.equal(await codeCount(), before);
  });

  test('POST with the right password (by e-mail and by id): 302 with the parameters; the code is a token of THAT user', async () => {
    const u = await userWithPassword();
    const byEmail = await post({ client_id: made.clientId, state: STATE, login: u.email.toUpperCase(), password: PASSWORD }, { origin: t.origin, 'sec-fetch-site': 'same-origin' });
    assert.equal(await redirectUser(byEmail, STATE), u.id);
    const byId = await post({ client_id: made.clientId, login: String(u.id), password: PASSWORD });
    assert.equal(await redirectUser(byId, undefined), u.id);
  });

  test('an inactive user is refused, by password and by loopback user=N', async () => {
    const u = await userWithPassword();
    await t.server.app.store.db.updateTable('users').set({ active: 'N' }).where('id', '=', u.id).execute();
    const before = await codeCount();
    const res = await post({ client_id: made.clientId, state: 's', login: String(u.id), password: PASSWORD });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /Wrong login or password\./);
    const loop = await fetch(`${t.origin}/oauth/authorize/?client_id=${made.clientId}&user=${u.id}`, { redirect: 'manual' });
    assert.equal(loop.status, 200);
    assert.match(await loop.text(), /<button type="submit">Grant access<\/button>/);
    assert.equal(await codeCount(), before);
  });

  test('the loopback user=N convenience still redirects at once', async () => {
    const u = await t.user();
    const res = await fetch(`${t.origin}/oauth/authorize/?client_id=${made.clientId}&state=abc&user=${u.userId}`, { redirect: 'manual' });
    assert.equal(await redirectUser(res, 'abc'), u.userId);
  });

  test('a POST from another site is refused; unknown or inactive apps as the spec says', async () => {
    const u = await userWithPassword();
    const before = await codeCount();
    const cross = await post({ client_id: made.clientId, login: String(u.id), password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(cross.status, 403);
    assert.equal(cross.headers.get('location'), null);
    const crossSite = await post({ client_id: made.clientId, login: String(u.id), password: PASSWORD }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(crossSite.status, 403);
    const unknown = await post({ client_id: 'local.nope', login: String(u.id), password: PASSWORD });
    assert.equal(unknown.status, 200);
    assert.match(await unknown.text(), /Application was not found\./);
    const none = await post({ login: String(u.id), password: PASSWORD });
    assert.match(await none.text(), /Application was not found\./);
    const other = await addOauthApp(t.server.app.store.db, { title: 'Gone', scopes: ['task'], redirectUri: 'https://app.example.com/cb' }, nowSeconds());
    await t.server.app.store.db.updateTable('oauth_apps').set({ active: 'N' }).where('client_id', '=', other.clientId).execute();
    const inactive = await post({ client_id: other.clientId, login: String(u.id), password: PASSWORD });
    assert.match(await inactive.text(), /Application was not found\./);
    const inactiveGet = await fetch(`${t.origin}/oauth/authorize/?client_id=${other.clientId}`);
    assert.match(await inactiveGet.text(), /Application was not found\./);
    // A body that is not a form is a form without fields.
    const junk = await fetch(`${t.origin}/oauth/authorize/?client_id=${made.clientId}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/json' }, body: '{"login":' });
    assert.equal(junk.status, 200);
    assert.match(await junk.text(), /Wrong login or password\./);
    assert.equal(await codeCount(), before);
  });
});

describe('/oauth/authorize/ brute-force guard', () => {
  test('after 10 failed sign-ins from one address even the right password is refused (429), without a code', async () => {
    const s = await startTestServer();
    try {
      const a = await addOauthApp(s.server.app.store.db, { title: 'Guarded', scopes: ['task'], redirectUri: 'https://app.example.com/cb' }, nowSeconds());
      const u = await s.user();
      await setPassword(s.server.app.store.db, u.userId, PASSWORD, nowSeconds());
      const send = (password: string) =>
        fetch(`${s.origin}/oauth/authorize/`, {
          method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: a.clientId, login: String(u.userId), password }).toString(),
        });
      for (let i = 0; i < 10; i++) assert.equal((await send(`wrong ${i}`)).status, 200);
      const res = await send(PASSWORD);
      assert.equal(res.status, 429);
      assert.equal(res.headers.get('location'), null);
      assert.match(await res.text(), /Too many failed sign-ins/);
    } finally {
      await s.close();
    }
  });

  test("the board's password sign-in counts with the form: failures on either refuse both (429 BOARD_TOO_MANY_SIGN_INS)", async () => {
    const s = await startTestServer();
    try {
      const a = await addOauthApp(s.server.app.store.db, { title: 'Shared guard', scopes: ['task'], redirectUri: 'https://app.example.com/cb' }, nowSeconds());
      const u = await s.user();
      await setPassword(s.server.app.store.db, u.userId, PASSWORD, nowSeconds());
      const board = (password: string) =>
        fetch(`${s.origin}/_scrumd/board/api/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-scrumd-csrf': '1', origin: s.origin },
          body: JSON.stringify({ login: String(u.userId), password }),
        });
      const form = (password: string) =>
        fetch(`${s.origin}/oauth/authorize/`, {
          method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: a.clientId, login: String(u.userId), password }).toString(),
        });
      // the right password before any failure: signed in; a success forgets earlier failures
      assert.equal((await board(PASSWORD)).status, 200);
      for (let i = 0; i < 5; i++) {
        const r = await board(`wrong ${i}`);
        assert.equal(r.status, 401);
        assert.equal((await r.json()).error, 'BOARD_WRONG_PASSWORD');
      }
      for (let i = 0; i < 5; i++) assert.equal((await form(`wrong ${i}`)).status, 200);
      const refused = await board(PASSWORD);
      assert.equal(refused.status, 429);
      assert.deepEqual(await refused.json(), { error: 'BOARD_TOO_MANY_SIGN_INS', error_description: 'Too many failed sign-ins from this address: try again later' });
      assert.equal(refused.headers.get('set-cookie'), null);
      assert.equal((await form(PASSWORD)).status, 429);
    } finally {
      await s.close();
    }
  });
});
