/**
 * The registry against docs/COMPATIBILITY.md, the project's one list of the methods it implements:
 * every method row there (a table row whose first cell is a backticked method name) is a method the
 * server answers, spelled as its declaration spells it, and every registered method has its row.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { createRegistry } from '../src/methods/index.js';
import { startTestServer, type TestServer } from './helpers/harness.js';

const DOC = new URL('../docs/COMPATIBILITY.md', import.meta.url);

/** The backticked names in the first cell of the document's table rows. */
function documentedMethods(): string[] {
  const names: string[] = [];
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\|\s*`([A-Za-z][\w.]*)`\s*\|/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

const registry = createRegistry();
const registered = registry.all();

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(() => t.close());

test('the document lists each method once', () => {
  const names = documentedMethods();
  assert.ok(names.length >= 60, `only ${names.length} method rows found`);
  const seen = new Set<string>();
  for (const n of names) {
    assert.ok(!seen.has(n.toLowerCase()), `${n} has two rows`);
    seen.add(n.toLowerCase());
  }
});

test('every registered method has its row, spelled as its declaration spells it', () => {
  const documented = new Map(documentedMethods().map((n) => [n.toLowerCase(), n]));
  const missing = registered.filter((m) => !documented.has(m.name)).map((m) => m.spelling);
  assert.deepEqual(missing, [], 'registered methods missing from docs/COMPATIBILITY.md');
  for (const m of registered) assert.equal(documented.get(m.name), m.spelling, `spelling of ${m.spelling}`);
});

test('every documented method is answered by the server (method.get finds it), and registered under that spelling', async () => {
  const notServed: string[] = [];
  for (const name of documentedMethods()) {
    const r = await t.admin.result('method.get', { name: name.toLowerCase() });
    if (r.isExisting !== true) notServed.push(name);
    else assert.equal(registry.resolve(name)?.spelling, name, `spelling of ${name}`);
  }
  assert.deepEqual(notServed, [], 'documented methods the server does not know');
});

test('the spelling of a declaration is the camelCase of the real service (no upper-case first letters, no spaces)', () => {
  for (const m of registered) {
    assert.match(m.spelling, /^[a-z][A-Za-z0-9_]*(\.[a-z][A-Za-z0-9_]*)*$/, m.spelling);
    assert.equal(m.name, m.spelling.toLowerCase());
  }
});
