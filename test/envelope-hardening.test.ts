/**
 * Every answer in the Bitrix envelope (issue 10 §5): URLs the router cannot decode, malformed
 * Content-Type headers, HTTP methods beyond the standard ones, requests Node's parser refuses,
 * well-formed XML whatever the data holds, and `batch` commands named like object members.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SaxesParser } from 'saxes';
import { ADMIN_SECRET, createScrum, toReply, type Reply, type TestServer, startTestServer } from './helpers/harness.js';
import { testingPostgres } from './helpers/database.js';

let t: TestServer;
let W: string;

before(async () => {
  t = await startTestServer();
  W = `${t.origin}/rest/1/${ADMIN_SECRET}`;
});
after(() => t.close());

async function get(url: string, init?: RequestInit): Promise<Reply> {
  return toReply(await fetch(url, init));
}

function assertRestHeaders(r: Reply, what: string): void {
  assert.equal(r.headers.get('access-control-allow-origin'), '*', what);
  assert.equal(r.headers.get('access-control-allow-headers'), 'origin, content-type, accept', what);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8', what);
}

/** One request written on a raw socket (methods and request lines fetch would not send); the whole answer. */
function rawRequest(head: string): Promise<string> {
  const { port } = new URL(t.origin);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), '127.0.0.1', () => s.write(head));
    let data = '';
    s.setEncoding('utf8');
    s.on('data', (d) => (data += d));
    s.on('close', () => resolve(data));
    s.on('error', reject);
  });
}

/** Parses with a strict XML 1.0 parser; returns the first well-formedness error, or null. */
function xmlError(text: string): string | null {
  const p = new SaxesParser();
  let err: string | null = null;
  p.on('error', (e) => {
    err ??= e.message;
  });
  p.write(text).close();
  return err;
}

/** The text of every element of the given name, in document order (the XML must be well-formed). */
function xmlTexts(text: string, name: string): string[] {
  const p = new SaxesParser();
  const out: string[] = [];
  let depth = 0;
  let current = '';
  p.on('opentag', (tag) => {
    if (tag.name === name) {
      depth++;
      current = '';
    }
  });
  p.on('text', (s) => {
    if (depth > 0) current += s;
  });
  p.on('closetag', (tag) => {
    if (tag.name === name) {
      depth--;
      out.push(current);
    }
  });
  p.on('error', (e) => {
    throw e;
  });
  p.write(text).close();
  return out;
}

describe('URLs the router cannot decode', () => {
  test('a bad % escape in the method name: 404 ERROR_METHOD_NOT_FOUND with CORS, never the URL or the secret', async () => {
    for (const path of ['user.current%', 'user.current%zz', 'us%zzer.current', 'user.current%ff', 'user.current%C0%80', '%']) {
      for (const method of ['GET', 'POST']) {
        const r = await get(`${W}/${path}`, method === 'POST' ? { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' } : {});
        assert.equal(r.status, 404, `${method} ${path}: ${r.text}`);
        assert.deepEqual(r.body, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' }, path);
        assertRestHeaders(r, path);
        assert.ok(!r.text.includes(ADMIN_SECRET), r.text);
        assert.ok(!/fastify|FST_/i.test(r.text), r.text);
      }
    }
    // the XML suffix is still seen: the method is not found, in XML
    const x = await get(`${W}/user.current%.xml`);
    assert.equal(x.status, 404);
    assert.equal(x.headers.get('content-type'), 'text/xml; charset=utf-8');
  });

  test('a bad % escape elsewhere in the path is decoded like PHP does: the secret is wrong, the method found', async () => {
    const r = await get(`${t.origin}/rest/1/s3%zzcr3t/server.time`);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.error, 'INVALID_CREDENTIALS');
    assertRestHeaders(r, 'bad secret');
    // the OAuth form: a bad escape in the method name
    const o = await get(`${t.origin}/rest/server.time%?auth=whatever`);
    assert.equal(o.status, 404, o.text);
    assert.equal(o.body.error, 'ERROR_METHOD_NOT_FOUND');
    // valid escapes keep working, bad ones in the query string are PHP's business
    assert.equal((await get(`${W}/%73erver.time`)).status, 200);
    assert.equal((await get(`${W}/server.time?x=%zz&y=%`)).status, 200);
  });
});

describe('Content-Type headers', () => {
  test('a malformed or empty Content-Type reads the body as urlencoded (protocol.md §2.1), the call runs', async () => {
    for (const type of [';;;', '', 'a/b; x="', '/', 'text/plain; ;;', 'application/x-www-form-urlencoded; =']) {
      const r = await get(`${W}/batch`, { method: 'POST', headers: { 'content-type': type }, body: 'cmd[a]=server.time&cmd[b]=user.current' });
      assert.equal(r.status, 200, `${JSON.stringify(type)}: ${r.text}`);
      assert.ok(typeof r.body.result.result.a === 'string', `${JSON.stringify(type)}: ${r.text}`);
      assert.equal(r.body.result.result.b.ID, '1', type);
      assertRestHeaders(r, type);
    }
    // a JSON media type with malformed parameters is still JSON
    const j = await get(`${W}/batch`, { method: 'POST', headers: { 'content-type': 'application/json; charset' }, body: '{"cmd":{"a":"server.time"}}' });
    assert.equal(j.status, 200, j.text);
    assert.ok(typeof j.body.result.result.a === 'string', j.text);
  });
});

describe('HTTP methods', () => {
  test('every method Node accepts is routed like GET: query parameters, no body', async () => {
    for (const method of ['PROPFIND', 'PROPPATCH', 'MKCOL', 'COPY', 'MOVE', 'LOCK', 'UNLOCK', 'PURGE', 'REPORT', 'SEARCH', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'GET']) {
      const r = await get(`${W}/batch?cmd[a]=server.time`, { method });
      assert.equal(r.status, 200, `${method}: ${r.text}`);
      assert.ok(typeof r.body.result.result.a === 'string', method);
      assertRestHeaders(r, method);
      // a body is not read for anything but POST (protocol.md §1.6)
      if (method === 'GET') continue; // fetch sends no body with GET
      const b = await get(`${W}/batch?cmd[a]=server.time`, { method, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'cmd[b]=server.time' });
      assert.equal(b.status, 200, `${method} with a body: ${b.text}`);
      assert.deepEqual(Object.keys(b.body.result.result), ['a'], method);
      // and an unknown method is 404 before authentication, whatever the HTTP method
      const n = await get(`${t.origin}/rest/1/wrong/no.such.method`, { method });
      assert.equal(n.status, 404, method);
      assert.equal(n.body.error, 'ERROR_METHOD_NOT_FOUND', method);
    }
  });

  test('a request Node cannot parse (an unknown method token) gets an error envelope with the REST headers', async () => {
    const answer = await rawRequest(`FROBNICATE /rest/1/${ADMIN_SECRET}/server.time HTTP/1.1\r\nHost: x\r\n\r\n`);
    const [head, body] = answer.split('\r\n\r\n');
    assert.match(head!, /^HTTP\/1\.1 400 /);
    assert.match(head!, /access-control-allow-origin: \*/i);
    assert.match(head!, /content-type: application\/json; charset=utf-8/i);
    const parsed = JSON.parse(body!);
    assert.equal(parsed.error, 'INVALID_REQUEST');
    assert.equal(typeof parsed.error_description, 'string');
    assert.ok(!answer.includes(ADMIN_SECRET));
  });
});

describe('XML answers', () => {
  test('control characters, U+FFFE/U+FFFF and unpaired surrogates in data never make XML ill-formed', async () => {
    const group = await createScrum(t.admin, 'XML team');
    // PostgreSQL text cannot hold NUL (how NUL is treated is decided elsewhere): no NUL there.
    const controls = Array.from({ length: 32 }, (_, i) => String.fromCharCode(i)).filter((c) => c !== '\0' || !testingPostgres());
    const name = `S ${controls.join('')} \uFFFE\uFFFF \uD800 x\uDC00 <&>'" \u{1F600} end`;
    const sprint = await t.admin.result('tasks.api.scrum.sprint.add', {
      fields: { groupId: group, name, createdBy: 1, status: 'planned', dateStart: '2026-03-23', dateEnd: '2026-04-06' },
    });
    assert.ok(sprint.id > 0);
    const r = await get(`${W}/tasks.api.scrum.sprint.list.xml?filter[GROUP_ID]=${group}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers.get('content-type'), 'text/xml; charset=utf-8');
    assert.equal(xmlError(r.text), null, `ill-formed XML: ${JSON.stringify(r.text)}`);
    const names = xmlTexts(r.text, 'name');
    assert.equal(names.length, 1, r.text);
    const got = names[0]!;
    // what XML can carry arrives as it was stored: tab, line feed, carriage return, markup, astral characters
    const json = await t.admin.result('tasks.api.scrum.sprint.get', { id: sprint.id });
    const stored: string = json.name;
    const expected = stored.replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/gu, '\uFFFD');
    assert.equal(got, expected);
    for (const c of ['\t', '\n', '\r']) assert.ok(got.includes(c), JSON.stringify(got));
    assert.ok(got.includes(`<&>'" \u{1F600} end`), JSON.stringify(got));
  });

  test('an error answer in XML stays well-formed too', async () => {
    const r = await get(`${W}/tasks.api.scrum.sprint.get.xml?id=abc`);
    assert.equal(xmlError(r.text), null, r.text);
    assert.ok(r.text.startsWith('<response><error>'), r.text);
  });
});

describe('batch commands named like object members', () => {
  test('a command keyed __proto__ (or constructor, toString) is in result and result_time, as JSON or a form', async () => {
    const asJson = await get(`${W}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"cmd":{"__proto__":"server.time","constructor":"user.current","toString":"server.time"}}',
    });
    const asForm = await get(`${W}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cmd[__proto__]=server.time&cmd[constructor]=user.current&cmd[toString]=server.time',
    });
    for (const r of [asJson, asForm]) {
      assert.equal(r.status, 200, r.text);
      // JSON.parse makes an own "__proto__" key, so Object.keys sees it
      assert.deepEqual(Object.keys(r.body.result.result), ['__proto__', 'constructor', 'toString'], r.text);
      assert.ok(r.text.includes('"result":{"__proto__":"'), r.text);
      assert.deepEqual(Object.keys(r.body.result.result_time), ['__proto__', 'constructor', 'toString']);
      assert.equal(r.body.result.result.constructor.ID, '1');
    }
  });

  test('a failing command keyed __proto__ is in result_error; $result[__proto__] resolves', async () => {
    const r = await get(`${W}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'cmd[__proto__]=no.such.method&cmd[ok]=server.time',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body.result.result_error), ['__proto__'], r.text);
    assert.equal(r.body.result.result_error.__proto__.error, 'ERROR_METHOD_NOT_FOUND');
    const ref = await get(`${W}/batch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cmd: JSON.parse('{"__proto__":"user.current","b":"user.get?ID=$result[__proto__][ID]"}') }),
    });
    assert.equal(ref.status, 200, ref.text);
    assert.equal(ref.body.result.result.b[0].ID, '1', ref.text);
  });
});
