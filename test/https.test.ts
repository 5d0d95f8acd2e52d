/** HTTPS with the local CA scrumd creates, and with a certificate of one's own. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { localCaMaterial } from '../src/transport/tls.js';
import { ADMIN_SECRET, startTestServer } from './helpers/harness.js';

const dir = mkdtempSync(join(tmpdir(), 'scrumd-tls-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function httpsGet(url: string, ca?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, method: 'GET' }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(data) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('--https serves TLS with a certificate of the local CA; clients trusting the CA connect', async () => {
  const tlsDir = join(dir, 'local');
  const t = await startTestServer({ https: true, tlsDir });
  try {
    assert.match(t.origin, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(t.server.caFile, join(tlsDir, 'ca.pem'));
    const ca = readFileSync(join(tlsDir, 'ca.pem'), 'utf8');
    const r = await httpsGet(`${t.origin}/rest/1/${ADMIN_SECRET}/server.time`, ca);
    assert.equal(r.status, 200);
    assert.match(r.body.result, /^\d{4}-/);
    const viaLocalhost = await httpsGet(`${t.origin.replace('127.0.0.1', 'localhost')}/rest/1/${ADMIN_SECRET}/profile`, ca);
    assert.equal(viaLocalhost.body.result.ID, '1');
    // Without trusting the CA the certificate is refused.
    await assert.rejects(httpsGet(`${t.origin}/rest/1/${ADMIN_SECRET}/server.time`), /self.signed|unable to verify|certificate/i);
  } finally {
    await t.close();
  }
  // A second start reuses the same CA.
  const before = readFileSync(join(tlsDir, 'ca.pem'), 'utf8');
  const t2 = await startTestServer({ https: true, tlsDir });
  await t2.close();
  assert.equal(readFileSync(join(tlsDir, 'ca.pem'), 'utf8'), before);
});

test('webhook HTTPS enforcement accepts HTTPS calls', async () => {
  const t = await startTestServer({ https: true, tlsDir: join(dir, 'strict'), webhookHttpsOnly: true });
  try {
    const ca = readFileSync(t.server.caFile!, 'utf8');
    assert.equal((await httpsGet(`${t.origin}/rest/1/${ADMIN_SECRET}/server.time`, ca)).status, 200);
  } finally {
    await t.close();
  }
});

test('--tls-cert/--tls-key serve a certificate of one’s own', async () => {
  const own = localCaMaterial(join(dir, 'own'), '127.0.0.1');
  const t = await startTestServer({ tlsCert: join(dir, 'own', 'server.pem'), tlsKey: join(dir, 'own', 'server-key.pem') });
  try {
    assert.equal(t.server.caFile, undefined);
    const r = await httpsGet(`${t.origin}/rest/1/${ADMIN_SECRET}/server.time`, readFileSync(own.caFile!, 'utf8'));
    assert.equal(r.status, 200);
    assert.ok(existsSync(join(dir, 'own', 'ca-key.pem')));
  } finally {
    await t.close();
  }
});
