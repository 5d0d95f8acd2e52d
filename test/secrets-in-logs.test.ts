/**
 * No secret reaches a log line (issue 10 §5): `scrumd serve` run as a real process at `--log-level info`
 * and `debug`, called with webhook secrets (right and wrong), OAuth tokens in every place a client puts
 * them, client secrets, authorization codes and refresh tokens at the token endpoint, undecodable URLs
 * and failing calls; everything it prints is searched for each secret.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { CLI, cliEnv, scratch, serveProcess, stopProcess } from './helpers/cliProcess.js';

const { children, database } = scratch('scrumd-logs-');

function run(args: string[]) {
  const r = spawnSync(process.execPath, [...CLI, ...args], { env: cliEnv(), encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

for (const level of ['info', 'debug']) {
  test(`at --log-level ${level} no secret appears in the log, whatever the call`, async () => {
    const db = await database(`logs-${level}`);
    const SECRET = `hooksecret${level}x7`;
    const WRONG = `wrongsecret${level}q9`;
    const app = JSON.parse(run(['app', 'add', '--title', 'Logs', '--database', db]));
    const tokens = JSON.parse(run(['token', '--client-id', app.client_id, '--user', '1', '--database', db]));
    const code = run(['app', 'code', '--client-id', app.client_id, '--user', '1', '--database', db]).trim();
    const s = await serveProcess(['--database', db, '--log-level', level], { SCRUMD_WEBHOOK_SECRET: SECRET }, children);
    const o = s.origin;
    const W = `${o}/rest/1/${SECRET}`;
    const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const calls: [string, RequestInit?][] = [
      [`${W}/user.current`],
      [`${W}/user.current.xml`],
      [`${W}/sonet_group.create`, json({ NAME: 'Logged', SCRUM_MASTER_ID: 1 })],
      [`${W}/tasks.api.scrum.sprint.get?id=999999`],
      [`${W}/no.such.method`],
      [`${W}/user.current%`],
      [`${W}/us%zzer.current?x=%`],
      [`${o}//rest//1//${SECRET}//server.time`],
      [`${o}/rest/1/${WRONG}/user.current`],
      [`${o}/rest/1/${WRONG}/user.current%`],
      [`${o}/rest/user.current?auth=${tokens.access_token}`],
      [`${o}/rest/user.current?access_token=${tokens.access_token}`],
      [`${o}/rest/user.current`, { headers: { authorization: `Bearer ${tokens.access_token}` } }],
      [`${o}/rest/user.current`, json({ auth: tokens.access_token })],
      [`${o}/rest/user.current%?auth=${tokens.access_token}`],
      [`${W}/batch`, json({ cmd: { a: `user.current?auth=${tokens.access_token}`, b: 'no.such' } })],
      [`${o}/oauth/token/?grant_type=authorization_code&client_id=${app.client_id}&client_secret=${app.client_secret}&code=${code}`],
      [`${o}/oauth/token/?grant_type=refresh_token&client_id=${app.client_id}&client_secret=${app.client_secret}&refresh_token=${tokens.refresh_token}`],
      [`${o}/oauth/token/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=refresh_token&client_id=${app.client_id}&client_secret=${app.client_secret}&refresh_token=nope` }],
      [`${o}/oauth/token/?grant_type=refresh_token&client_id=${app.client_id}&client_secret=${WRONG}&refresh_token=${tokens.refresh_token}`],
    ];
    for (const [url, init] of calls) {
      const r = await fetch(url, init);
      const text = await r.text();
      // no error body names a secret either
      if (r.status >= 400) for (const secret of [SECRET, WRONG, tokens.access_token, app.client_secret]) assert.ok(!text.includes(secret), `${url}: ${text}`);
    }
    const exchanged = await fetch(`${o}/oauth/token/?grant_type=refresh_token&client_id=${app.client_id}&client_secret=${app.client_secret}&refresh_token=${tokens.refresh_token}`);
    assert.ok(exchanged.status === 200 || exchanged.status === 400);
    await stopProcess(s.proc);
    // The ready lines print user 1's webhook URL on purpose (README: the secret fixed in the
    // environment is the one to use); everything else is log.
    const log = s
      .output()
      .split('\n')
      .filter((l) => !/^(Webhook|Try): /.test(l))
      .join('\n');
    // the requests were logged (with their URLs) ...
    assert.match(log, /incoming request/);
    assert.match(log, /\/rest\/1\/\*\*\*\/user\.current/);
    // ... and no secret with them
    for (const [name, secret] of Object.entries({
      SECRET,
      WRONG,
      access_token: tokens.access_token as string,
      refresh_token: tokens.refresh_token as string,
      client_secret: app.client_secret as string,
      code,
    })) {
      assert.ok(!log.includes(secret), `${name} appears in the log:\n${log.split('\n').filter((l) => l.includes(secret)).join('\n')}`);
    }
  });
}
