/** OAuth for a local deployment (protocol.md §9.2–9.3, checklist 3, 35–38, 71–74). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { addOauthApp, findApp, issueCode } from '../src/domain/oauth.js';
import { nowSeconds } from '../src/core/portalTime.js';
import { errorOf, rawCall, startTestServer, toReply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let app: { clientId: string; clientSecret: string };
before(async () => {
  t = await startTestServer();
  app = await addOauthApp(t.server.app.store.db, { title: 'Test app', scopes: ['task'] }, nowSeconds());
});
after(() => t.close());

async function code(userId = 1): Promise<string> {
  const a = (await findApp(t.server.app.store.db, app.clientId))!;
  return issueCode(t.server.app.store.db, a, userId, nowSeconds());
}

async function tokenRequest(params: Record<string, string>, how: 'get' | 'post' = 'get', path = '/oauth/token/') {
  const qs = new URLSearchParams(params).toString();
  const res =
    how === 'get'
      ? await fetch(`${t.origin}${path}?${qs}`)
      : await fetch(`${t.origin}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: qs });
  return toReply(res);
}

async function tokens(userId = 1) {
  const r = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: await code(userId) });
  assert.equal(r.status, 200, r.text);
  return r.body;
}

describe('token endpoint', () => {
  test('authorization code grant: the full answer (checklist 72)', async () => {
    const before = nowSeconds();
    const b = await tokens();
    assert.deepEqual(Object.keys(b).sort(), ['access_token', 'client_endpoint', 'domain', 'expires', 'expires_in', 'member_id', 'refresh_token', 'scope', 'server_endpoint', 'status', 'user_id'].sort());
    assert.ok(Number.isInteger(b.expires) && b.expires >= before + 3600 && b.expires <= nowSeconds() + 3600);
    assert.equal(b.expires_in, 3600);
    assert.equal(b.scope, 'task');
    assert.equal(b.client_endpoint, `${t.origin}/rest/`);
    assert.equal(b.server_endpoint, `${t.origin}/rest/`);
    assert.match(b.member_id, /^[0-9a-f]{32}$/);
    assert.equal(b.user_id, 1);
    assert.equal(b.status, 'L');
    assert.equal(b.domain, new URL(t.origin).host);
  });

  test('refresh grant by GET and by POST, single-use refresh tokens (checklist 72, 73)', async () => {
    const first = await tokens();
    const viaGet = await tokenRequest({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: first.refresh_token, bx24_request_id: 'x' });
    assert.equal(viaGet.status, 200);
    assert.notEqual(viaGet.body.access_token, first.access_token);
    const reuse = await tokenRequest({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: first.refresh_token });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    const viaPost = await tokenRequest({ grant_type: 'refresh_token', client_id: app.clientId, client_secret: app.clientSecret, refresh_token: viaGet.body.refresh_token }, 'post', '//rest/oauth/token');
    assert.equal(viaPost.status, 200, viaPost.text);
  });

  test('errors: wrong secret, used code, bad grant type (checklist 73)', async () => {
    const c = await code();
    const wrong = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: 'nope', code: c });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'invalid_client');
    const ok = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: c });
    assert.equal(ok.status, 200);
    const again = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: c });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    const bad = await tokenRequest({ grant_type: 'password', client_id: app.clientId, client_secret: app.clientSecret });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'invalid_request');
    const expiredCode = await code();
    await t.server.app.store.db.updateTable('oauth_codes').set({ expires_at: nowSeconds() - 1 }).execute();
    const late = await tokenRequest({ grant_type: 'authorization_code', client_id: app.clientId, client_secret: app.clientSecret, code: expiredCode });
    assert.equal(late.body.error, 'invalid_grant');
  });
});

describe('calls with tokens', () => {
  test('auth parameter, Bearer header, access_token; double slash of the JS SDK (checklist 3, 38)', async () => {
    const { access_token } = await tokens();
    const byAuth = await toReply(await fetch(`${t.origin}/rest//server.time`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: access_token }) }));
    assert.equal(byAuth.status, 200);
    const byHeader = await toReply(await fetch(`${t.origin}/rest/profile`, { headers: { authorization: `Bearer ${access_token}` } }));
    assert.equal(byHeader.body.result.ID, '1');
    const byParam = await rawCall(`${t.origin}/rest/profile.json`, { access_token }, 'get');
    assert.equal(byParam.status, 200);
    const form = await rawCall(`${t.origin}/rest/tasks.api.scrum.backlog.getFields`, { auth: access_token }, 'form');
    assert.equal(form.status, 200);
  });

  test('insufficient scope with the token wording (checklist 35)', async () => {
    const { access_token } = await tokens();
    const r = await rawCall(`${t.origin}/rest/sonet_group.create`, { auth: access_token, NAME: 'x' }, 'json');
    assert.deepEqual(errorOf(r), { status: 401, error: 'insufficient_scope', error_description: 'The request requires higher privileges than provided by the access token' });
  });

  test('an expired token (checklist 36, 74); unknown tokens (checklist 37)', async () => {
    const { access_token } = await tokens();
    await t.server.app.store.db.updateTable('oauth_tokens').set({ expires_at: nowSeconds() - 1 }).execute();
    const r = await rawCall(`${t.origin}/rest/server.time`, { auth: access_token }, 'json');
    assert.deepEqual(errorOf(r), { status: 401, error: 'expired_token', error_description: 'The access token provided has expired' });
    // 404 still comes first.
    assert.equal((await rawCall(`${t.origin}/rest/no.such`, { auth: access_token }, 'json')).status, 404);
    const unknown = await rawCall(`${t.origin}/rest/server.time`, { auth: 'zzz' }, 'json');
    assert.equal(unknown.body.error, 'invalid_token');
    // An array-valued token parameter is ignored.
    const arr = await rawCall(`${t.origin}/rest/server.time`, { auth: ['x'] }, 'json');
    assert.equal(arr.body.error, 'NO_AUTH_FOUND');
  });

  test('app.info for a token (checklist 71)', async () => {
    const { access_token } = await tokens();
    const r = await rawCall(`${t.origin}/rest/app.info`, { auth: access_token }, 'json');
    assert.deepEqual(Object.keys(r.body.result), ['ID', 'CODE', 'VERSION', 'STATUS', 'INSTALLED', 'PAYMENT_EXPIRED', 'DAYS', 'LANGUAGE_ID', 'LICENSE']);
    assert.equal(r.body.result.CODE, app.clientId);
    assert.equal(r.body.result.INSTALLED, true);
  });

  test('the token acts as its user', async () => {
    const u = await t.user();
    const { access_token } = await tokens(u.userId);
    const r = await rawCall(`${t.origin}/rest/profile`, { auth: access_token }, 'json');
    assert.equal(r.body.result.ID, String(u.userId));
  });
});
