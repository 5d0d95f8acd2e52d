/** `GET /` over real HTTP: a small HTML page (JSON on request) naming the REST URL forms and the docs, never a secret. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ADMIN_SECRET, startTestServer, type TestServer } from './helpers/harness.js';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(() => server?.close());

test('GET / answers an HTML page naming the webhook form, the REST path and the docs', async () => {
  const res = await fetch(`${server.origin}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html; charset=utf-8/);
  const html = await res.text();
  assert.match(html, /<title>scrumd<\/title>/);
  assert.ok(html.includes(`${server.origin}/rest/{user_id}/{secret}/{method}`), 'the webhook URL form on this server');
  assert.ok(html.includes(`${server.origin}/oauth/token/`));
  assert.match(html, /href="https:\/\/apidocs\.bitrix24\.com\/"/);
  assert.ok(!html.includes(ADMIN_SECRET), 'never the secret');
});

test('GET / with Accept: application/json answers JSON, not the Bitrix envelope', async () => {
  const res = await fetch(`${server.origin}/`, { headers: { accept: 'application/json' } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const text = await res.text();
  const body = JSON.parse(text);
  assert.equal(body.name, 'scrumd');
  assert.equal(body.rest, `${server.origin}/rest/`);
  assert.equal(body.webhook, `${server.origin}/rest/{user_id}/{secret}/{method}`);
  assert.equal(body.oauth.token, `${server.origin}/oauth/token/`);
  assert.ok(typeof body.docs.bitrix24 === 'string');
  assert.ok(!('result' in body) && !('error' in body) && !('time' in body), 'not an envelope');
  assert.ok(!text.includes(ADMIN_SECRET));
  // a browser's Accept (HTML first, */* later) still gets the page
  const browser = await fetch(`${server.origin}/`, { headers: { accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.8' } });
  assert.match(browser.headers.get('content-type') ?? '', /^text\/html/);
  await browser.text();
});

test('a Host header that is not a host name is not echoed into the page', async () => {
  const { request } = await import('node:http');
  const url = new URL(server.origin);
  const html = await new Promise<string>((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: '/', headers: { host: 'x"><script>alert(1)</script>' } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve(data));
    });
    req.on('error', reject);
    req.end();
  });
  assert.ok(!html.includes('<script>'), html);
  assert.ok(html.includes('/rest/{user_id}/{secret}/{method}'));
});
