/** The REST protocol over real HTTP (protocol.md §1–5 and the compatibility checklist §12). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ADMIN_SECRET, createScrum, errorOf, formEncode, rawCall, startTestServer, toReply, type TestServer } from './helpers/harness.js';

let t: TestServer;
let W: string; // webhook base, e.g. http://127.0.0.1:1234/rest/1/s3cr3t

before(async () => {
  t = await startTestServer();
  W = `${t.origin}/rest/1/${ADMIN_SECRET}`;
});
after(() => t.close());

const ISO_OFFSET = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/;

async function get(url: string, init?: RequestInit) {
  return toReply(await fetch(url, init));
}

/** An echo of what a method received: backlog.add with a missing group reports nothing, so use the binding errors. */
async function boundId(params: string, init?: RequestInit): Promise<string> {
  const r = await get(`${W}/tasks.api.scrum.backlog.get${params}`, init);
  return r.body.error_description ?? JSON.stringify(r.body.result);
}

describe('routing', () => {
  test('server.time answers with an ISO date with offset (checklist 1)', async () => {
    const r = await get(`${W}/server.time`);
    assert.equal(r.status, 200);
    assert.match(r.body.result, ISO_OFFSET);
  });

  test('suffix, trailing slash, case and repeated slashes route alike (checklist 2)', async () => {
    for (const path of ['server.time.json', 'server.time/', 'SERVER.TIME', '/server.time/', 'server.time.JSON']) {
      const r = await get(`${t.origin}/rest/1/${ADMIN_SECRET}/${path}`);
      assert.equal(r.status, 200, path);
      assert.match(r.body.result, ISO_OFFSET, path);
    }
    const r = await get(`${t.origin}//rest//1//${ADMIN_SECRET}//server.time`);
    assert.equal(r.status, 200);
  });

  test('XML output with the .xml suffix (checklist 4)', async () => {
    const r = await get(`${W}/server.time.xml`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.ok(r.text.startsWith('<response><result>'), r.text);
    const e = await get(`${W}/no.such.xml`);
    assert.equal(e.status, 404);
    assert.ok(e.text.startsWith('<response><error>ERROR_METHOD_NOT_FOUND</error>'), e.text);
  });

  test('unknown method is 404 before authentication (checklist 5, 6)', async () => {
    for (const url of [`${t.origin}/rest/no.such.method`, `${t.origin}/rest/1/wrong/no.such.method`, `${W}/no.such.method`]) {
      const r = await get(url);
      assert.equal(r.status, 404);
      assert.deepEqual(r.body, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' });
    }
  });

  test('headers on every REST answer; no redirects (checklist 7, 8)', async () => {
    for (const url of [`${W}/server.time`, `${t.origin}/rest/no.such`, `${t.origin}/rest/server.time`, `${W}/server.time/`]) {
      const r = await get(url, { redirect: 'manual' });
      assert.ok(r.status < 300 || r.status >= 400, `${url} answered ${r.status}`);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal(r.headers.get('access-control-allow-origin'), '*');
      assert.equal(r.headers.get('access-control-allow-headers'), 'origin, content-type, accept');
      assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    }
  });

  test('OPTIONS preflight (checklist 9)', async () => {
    const r = await get(`${t.origin}/rest/server.time`, { method: 'OPTIONS' });
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('access-control-allow-origin'), '*');
  });

  test('REST 3.0 paths answer 404 with an error object (checklist 10)', async () => {
    const r = await get(`${t.origin}/rest/api/1/${ADMIN_SECRET}/server.time`);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'BITRIX_REST_V3_EXCEPTION_METHODNOTFOUNDEXCEPTION');
  });

  test('the method name is percent-decoded', async () => {
    const r = await get(`${W}/server%2Etime`);
    assert.equal(r.status, 200);
  });
});

describe('parameters', () => {
  let g: number;
  before(async () => {
    g = await createScrum(t.admin);
    await t.admin.result('tasks.api.scrum.backlog.add', { fields: { groupId: g, createdBy: 1 } });
  });

  test('form values are strings, JSON values keep types (checklist 11, 12)', async () => {
    // backlog.add echoes groupId after toInt either way; the binding message shows the raw value.
    const form = await rawCall(`${W}/tasks.api.scrum.backlog.get`, { id: 'x7' }, 'form');
    assert.equal(form.body.error_description, 'Invalid value {x7} to match with parameter {id}. Should be value of type int.');
    const json = await rawCall(`${W}/tasks.api.scrum.backlog.get`, { id: true }, 'json');
    assert.equal(json.body.error_description, 'Invalid value {1} to match with parameter {id}. Should be value of type int.');
  });

  test('last occurrence wins; body replaces query at the top level (checklist 15, 17)', async () => {
    assert.equal(await boundId(`?id=abc&id=${g}`), JSON.stringify({ id: (await t.admin.result('tasks.api.scrum.backlog.get', { id: g })).id, groupId: g, createdBy: 1, modifiedBy: 1 }));
    const r = await get(`${W}/tasks.api.scrum.backlog.get?id=abc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: g }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.result.groupId, g);
    // fields[a] in the query is replaced entirely by the body's fields.
    const r2 = await get(`${W}/tasks.api.scrum.backlog.add?fields[groupId]=${g}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ fields: { createdBy: 1 } }),
    });
    assert.deepEqual(errorOf(r2), { status: 400, error: '0', error_description: 'Group id not found' });
  });

  test('a non-JSON body with a JSON content type is ignored (checklist 18)', async () => {
    const r = await get(`${W}/tasks.api.scrum.backlog.get?id=${g}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: 'not json' });
    assert.equal(r.status, 200);
    assert.equal(r.body.result.groupId, g);
    const r2 = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"id": ' });
    assert.deepEqual(errorOf(r2), { status: 400, error: '100', error_description: 'Could not find value for parameter {id}' });
    const scalar = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '42' });
    assert.equal(scalar.body.error_description, 'Could not find value for parameter {id}');
  });

  test('JSON media types with parameters and +json (checklist 19)', async () => {
    for (const ct of ['application/json; charset=UTF-8', 'application/vnd.api+json', 'Application/JSON']) {
      const r = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'POST', headers: { 'content-type': ct }, body: JSON.stringify({ id: g }) });
      assert.equal(r.status, 200, ct);
    }
  });

  test('other content types are read as urlencoded text (checklist 20)', async () => {
    const r = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: `  id=${g}\n` });
    assert.equal(r.status, 200);
    const none = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'POST', body: new Blob([`id=${g}`]) });
    assert.equal(none.status, 200);
  });

  test('multipart text fields (checklist 21)', async () => {
    const fd = new FormData();
    fd.append('fields[groupId]', String(g));
    fd.append('fields[createdBy]', '1');
    fd.append('file', new Blob(['x']), 'x.txt');
    const r = await get(`${W}/tasks.api.scrum.backlog.add`, { method: 'POST', body: fd });
    assert.deepEqual(errorOf(r), { status: 400, error: '0', error_description: 'Backlog already added' });
  });

  test('the body is read only for POST', async () => {
    const r = await get(`${W}/tasks.api.scrum.backlog.get`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: g }) });
    assert.deepEqual(errorOf(r), { status: 400, error: '100', error_description: 'Could not find value for parameter {id}' });
  });

  test('reserved parameters never reach the method (checklist 22, 23)', async () => {
    // `start` and `state` are consumed; unknown telemetry parameters are ignored.
    const r = await get(`${W}/tasks.api.scrum.backlog.get?id=${g}&start=5&state=x&bx24_request_id=1&bx24_sdk_ver=2&bx24_sdk_type=b24`);
    assert.equal(r.status, 200);
  });

  test('top-level dotted names become underscores (checklist 24)', async () => {
    // `fields.x` is not `fields`: the parameter stays missing.
    const r = await get(`${W}/tasks.api.scrum.backlog.add?fields.groupId=${g}`);
    assert.equal(r.body.error_description, 'Could not find value for parameter {fields}');
  });

  test('deep nesting and large indexes are decoded structurally (checklist 16)', async () => {
    const key = 'fields' + Array.from({ length: 30 }, (_, i) => `[k${i}]`).join('') + '=1&fields[groupId]=' + g + '&fields[createdBy]=1&fields[list][500]=x';
    const r = await get(`${W}/tasks.api.scrum.backlog.add?${key}`);
    assert.deepEqual(errorOf(r), { status: 400, error: '0', error_description: 'Backlog already added' });
  });
});

describe('envelope', () => {
  test('the time block (checklist 25–28)', async () => {
    const r = await get(`${W}/server.time`);
    const time = r.body.time;
    assert.deepEqual(Object.keys(r.body), ['result', 'time']);
    assert.deepEqual(Object.keys(time), ['start', 'finish', 'duration', 'processing', 'date_start', 'date_finish', 'operating_reset_at', 'operating']);
    assert.ok(Math.abs(time.finish - time.start - time.duration) < 1e-6);
    assert.ok(time.processing <= time.duration);
    assert.match(time.date_start, ISO_OFFSET);
    assert.match(time.date_finish, ISO_OFFSET);
    assert.equal(new Date(time.date_start).getTime() / 1000, Math.floor(time.start));
    assert.ok(Number.isInteger(time.operating_reset_at));
    assert.equal(typeof time.operating, 'number');
    assert.ok(/"operating_reset_at":\d+,/.test(r.text));
  });

  test('error bodies have error and error_description only and no time (checklist 30)', async () => {
    const r = await get(`${W}/tasks.api.scrum.backlog.get`);
    assert.deepEqual(Object.keys(r.body), ['error', 'error_description']);
    assert.equal(typeof r.body.error, 'string');
  });

  test('dates use the portal time zone', async () => {
    const berlin = await startTestServer({ timezone: 'Europe/Berlin' });
    try {
      const r = await get(`${berlin.origin}/rest/1/${ADMIN_SECRET}/server.time`);
      assert.match(r.body.result, /\+0[12]:00$/);
      assert.match(r.body.time.date_start, /\+0[12]:00$/);
    } finally {
      await berlin.close();
    }
  });
});

describe('authentication', () => {
  test('no credentials (checklist 31)', async () => {
    const r = await get(`${t.origin}/rest/server.time`);
    assert.deepEqual(errorOf(r), { status: 401, error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
  });

  test('wrong secret, wrong user, non-numeric user (checklist 32, 33)', async () => {
    for (const url of [`${t.origin}/rest/1/wrong/server.time`, `${t.origin}/rest/2/${ADMIN_SECRET}/server.time`, `${t.origin}/rest/admin/${ADMIN_SECRET}/server.time`]) {
      assert.deepEqual(errorOf(await get(url)), { status: 401, error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' });
    }
  });

  test('secrets are case-sensitive and stored hashed', async () => {
    assert.equal((await get(`${t.origin}/rest/1/${ADMIN_SECRET.toUpperCase()}/server.time`)).status, 401);
    const rows = await t.server.app.store.db.selectFrom('webhooks').select('secret_hash').execute();
    assert.ok(rows.length > 0);
    for (const r of rows) {
      assert.notEqual(r.secret_hash, ADMIN_SECRET);
      assert.match(r.secret_hash, /^[0-9a-f]{64}$/);
    }
  });

  test('webhook without the scope (checklist 34)', async () => {
    const u = await t.user({ scopes: ['task'] });
    const r = await u.call('sonet_group.create', { NAME: 'x' });
    assert.deepEqual(errorOf(r), {
      status: 401,
      error: 'insufficient_scope',
      error_description: 'The request requires higher privileges than provided by the webhook token',
    });
    // Global-scope methods need no grant.
    assert.equal((await u.call('server.time')).status, 200);
    assert.equal((await u.call('profile')).status, 200);
  });

  test('webhook credentials as aplogin/ap parameters on the OAuth form', async () => {
    const r = await get(`${t.origin}/rest/server.time?aplogin=1&ap=${ADMIN_SECRET}`);
    assert.equal(r.status, 200);
  });

  test('an unknown OAuth token (checklist 37)', async () => {
    for (const init of [
      { url: `${t.origin}/rest/server.time?auth=nope` },
      { url: `${t.origin}/rest/server.time?access_token=nope` },
      { url: `${t.origin}/rest/server.time`, headers: { authorization: 'Bearer nope' } },
    ]) {
      const r = await get(init.url, { headers: init.headers });
      assert.deepEqual(errorOf(r), { status: 401, error: 'invalid_token', error_description: 'The access token provided is invalid' });
    }
  });

  test('a deactivated user cannot call', async () => {
    const u = await t.user();
    await t.server.app.store.db.updateTable('users').set({ active: 'N' }).where('id', '=', u.userId).execute();
    assert.deepEqual(errorOf(await u.call('server.time')), { status: 401, error: 'authorization_error', error_description: 'Unable to authorize user' });
  });

  test('HTTPS enforcement is off by default and can be switched on (checklist 44)', async () => {
    const strict = await startTestServer({ webhookHttpsOnly: true });
    try {
      const r = await get(`${strict.origin}/rest/1/${ADMIN_SECRET}/server.time`);
      assert.deepEqual(errorOf(r), { status: 401, error: 'INVALID_REQUEST', error_description: 'Https required.' });
    } finally {
      await strict.close();
    }
  });

  test('profile: ID string, ADMIN boolean (checklist 67)', async () => {
    const r = await t.admin.result('profile');
    assert.equal(r.ID, '1');
    assert.equal(r.ADMIN, true);
    const u = await t.user({ scopes: ['task'] });
    assert.equal((await u.result('profile')).ADMIN, false);
  });
});

describe('errors and robustness', () => {
  test('binding errors (checklist 39–41)', async () => {
    assert.deepEqual(errorOf(await get(`${W}/tasks.api.scrum.backlog.get`)), {
      status: 400,
      error: '100',
      error_description: 'Could not find value for parameter {id}',
    });
    assert.deepEqual(errorOf(await get(`${W}/tasks.api.scrum.backlog.get?id=abc`)), {
      status: 400,
      error: '100',
      error_description: 'Invalid value {abc} to match with parameter {id}. Should be value of type int.',
    });
    assert.equal((await get(`${W}/tasks.api.scrum.backlog.get?id=7`)).body.error, '0');
    const arr = await rawCall(`${W}/tasks.api.scrum.backlog.add`, { fields: '{"groupId":1}' }, 'json');
    assert.match(arr.body.error_description, /Should be value of type array\.$/);
  });

  test('business errors have the string code "0" (checklist 42)', async () => {
    const r = await get(`${W}/tasks.api.scrum.backlog.get?id=0`);
    assert.deepEqual(errorOf(r), { status: 400, error: '0', error_description: 'Group id not found' });
    assert.ok(r.text.includes('"error":"0"'));
  });

  test('an oversize body gets an error in the envelope, and the server keeps working', async () => {
    const small = await startTestServer({ bodyLimit: 2048 });
    try {
      const big = 'x'.repeat(10_000);
      const r = await get(`${small.origin}/rest/1/${ADMIN_SECRET}/server.time`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ big }) });
      assert.equal(r.status, 413);
      assert.equal(r.body.error, 'REQUEST_ENTITY_TOO_LARGE');
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.equal((await get(`${small.origin}/rest/1/${ADMIN_SECRET}/server.time`)).status, 200);
    } finally {
      await small.close();
    }
  });

  test('malformed bodies never crash the server', async () => {
    const bodies: [string, string][] = [
      ['application/json', '{"fields":'],
      ['application/json', '['.repeat(5000) + ']'.repeat(5000)],
      ['application/json', '{"__proto__":{"polluted":1},"fields":{"groupId":1}}'],
      ['application/x-www-form-urlencoded', '%%%&&==&a[b[c]=1&[]=2&=3&a[]]=4'],
      ['multipart/form-data; boundary=zzz', '--zzz\r\nbroken'],
      ['multipart/form-data', 'no boundary'],
      ['text/plain', '\u0000\u0001'],
      ['application/json', '\uFFFF\uD800'],
    ];
    for (const [ct, body] of bodies) {
      const r = await get(`${W}/tasks.api.scrum.backlog.add`, { method: 'POST', headers: { 'content-type': ct }, body });
      assert.ok(r.status === 400, `${ct}: ${r.status} ${r.text}`);
      assert.equal(typeof r.body.error, 'string');
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await get(`${W}/server.time`)).status, 200);
  });

  test('a request with a wrong content length is answered, not crashed on', async () => {
    const net = await import('node:net');
    const port = new URL(t.origin).port;
    const answer = await new Promise<string>((resolve) => {
      const sock = net.connect(Number(port), '127.0.0.1', () => {
        sock.write(`POST /rest/1/${ADMIN_SECRET}/server.time HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`);
      });
      let data = '';
      sock.on('data', (d) => (data += d));
      sock.on('close', () => resolve(data));
      sock.on('error', () => resolve(data));
      setTimeout(() => sock.destroy(), 2000);
    });
    assert.match(answer, /^HTTP\/1\.1 400/);
    assert.equal((await get(`${W}/server.time`)).status, 200);
  });

  test('form encoding from the harness round-trips PHP keys', () => {
    assert.equal(formEncode({ fields: { groupId: 1 } }), 'fields%5BgroupId%5D=1');
  });
});
