/**
 * The error catalogue (src/core/errors.ts): every error the server answers is declared there once,
 * each (code, message) belongs to one entry, nothing else in src/ builds an error of its own, and what
 * goes over the wire is exactly what the catalogue declares.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Errors, RestError } from '../src/core/errors.js';
import { createScrum, errorOf, startTestServer, type TestServer } from './helpers/harness.js';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));
const CATALOGUE = 'core/errors.ts';

type Entry = (...args: unknown[]) => RestError;

/** Every entry of the catalogue with its dotted name (`scrum.accessDenied`). */
function entries(node: Record<string, unknown> = Errors, prefix = ''): [string, Entry][] {
  return Object.entries(node).flatMap(([k, v]): [string, Entry][] =>
    typeof v === 'function' ? [[prefix + k, v as Entry]] : entries(v as Record<string, unknown>, `${prefix}${k}.`),
  );
}

/**
 * The errors an entry can build: without arguments (when it takes none or they are optional) and with
 * sample arguments that show where a parameter lands (an array of one marker serves as a string, a
 * number and a list of messages alike).
 */
function variants(make: Entry): RestError[] {
  const out: RestError[] = [];
  for (const args of [[], [['‹0›'], ['‹1›'], ['‹2›']]]) {
    try {
      out.push(make(...args));
    } catch {
      // an entry whose parameter is required
    }
  }
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the catalogue', () => {
  test('every entry builds a RestError with an error status, and no two entries share a (code, message)', () => {
    const owner = new Map<string, string>();
    const all = entries();
    assert.ok(all.length > 100, `only ${all.length} entries found`);
    for (const [name, make] of all) {
      const built = variants(make);
      assert.ok(built.length > 0, `${name} builds nothing`);
      const keys = new Set<string>();
      for (const e of built) {
        assert.ok(e instanceof RestError, name);
        assert.ok(e.status >= 400 && e.status <= 599, `${name}: HTTP ${e.status}`);
        assert.equal(typeof e.code, 'string', name);
        keys.add(JSON.stringify([e.code, e.description]));
      }
      for (const key of keys) {
        const other = owner.get(key);
        assert.equal(other, undefined, `${name} and ${other} both answer ${key}`);
        owner.set(key, name);
      }
    }
  });

  test('no file outside src/core/errors.ts builds an error of its own', () => {
    const offences: string[] = [];
    for (const path of sourceFiles(SRC)) {
      const file = relative(SRC, path).split('\\').join('/');
      if (file === CATALOGUE) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `src/${file}:${i + 1}: ${line.trim()}`;
          if (/new\s+RestError\s*\(/.test(line)) offences.push(where);
          // a message spelled at the call site instead of a named entry
          if (/\bmethodError\s*\(\s*['"`]/.test(line)) offences.push(where);
          // an error body written by hand
          if (/\berror\s*:\s*['"`][^'"`]*['"`]\s*,\s*error_description\s*:/.test(line)) offences.push(where);
        });
    }
    assert.deepEqual(offences, []);
  });
});

describe('answers over HTTP are the catalogue entries', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
  });
  after(() => t.close());

  /** The envelope of a call equals what the entry declares: status, code and message. */
  async function answers(method: string, params: Record<string, unknown>, expected: RestError): Promise<void> {
    const r = await t.admin.call(method, params);
    assert.deepEqual(errorOf(r), { status: expected.status, error: expected.code, error_description: expected.description }, method);
  }

  test('pipeline, scrum, tasks, groups, workgroups, users, OAuth', async () => {
    const group = await createScrum(t.admin);
    const outsider = await t.user();
    await answers('no.such.method', {}, Errors.methodNotFound());
    await answers('tasks.api.scrum.backlog.get', { id: 0 }, Errors.scrum.groupIdNotFound());
    await answers('tasks.api.scrum.sprint.add', { fields: { groupId: group, name: 'S', dateStart: '2026-01-01', dateEnd: '2026-01-10', status: 'bogus' } }, Errors.scrum.incorrectSprintStatus());
    await answers('tasks.api.scrum.epic.add', { fields: { groupId: group, name: '' } }, Errors.scrum.epicNameNotFound());
    await answers('tasks.task.add', { fields: { RESPONSIBLE_ID: 1 } }, Errors.task.titleMissing());
    await answers('tasks.task.get', {}, Errors.task.taskIdMissing());
    await answers('sonet_group.create', { NAME: '' }, Errors.group.emptyName());
    await answers('sonet_group.update', { GROUP_ID: group, SITE_ID: ['zz'] }, Errors.group.siteNotFound('zz'));
    await answers('socialnetwork.api.workgroup.get', { params: { groupId: 0 } }, Errors.workgroup.idMissing());
    await answers('user.add', { EMAIL: 'not an address' }, Errors.user.wrongEmail());
    const denied = await outsider.call('user.update', { ID: 1, NAME: 'x' });
    assert.deepEqual(errorOf(denied), { status: 400, error: 'ERROR_CORE', error_description: Errors.user.accessDenied().description });
    const oauth = await fetch(`${t.origin}/oauth/token/?grant_type=password&client_id=x`);
    assert.equal(oauth.status, Errors.oauth.unknownGrantType().status);
    assert.deepEqual(await oauth.json(), Errors.oauth.unknownGrantType().body());
  });
});
