/**
 * PHP itself is the reference for form and query decoding (protocol.md §2.2): a few hundred generated
 * query strings are decoded by the real `php` binary (`parse_str`, in one process for all of them) and
 * by scrumd's decoder, and the results must be the same. Without `php` the test fails under CI=true
 * (Debian's php-cli is installed by .ci/run) and is skipped elsewhere.
 *
 * What the comparison leaves aside, on purpose: the order of integer-like keys inside a JSON object
 * (scrumd's decoded maps are JS objects, which list such keys in ascending order; PHP keeps insertion
 * order — whether a map is a list or an object is compared exactly), and invalid UTF-8 (scrumd decodes
 * into JS strings, so stray bytes become U+FFFD; PHP keeps the bytes).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import { INPUT_LIMITS, parsePhpQuery } from '../src/protocol/formDecoding.js';

const PHP = process.env.PHP_BINARY ?? 'php';

function phpAvailable(): boolean {
  const r = spawnSync(PHP, ['-v'], { encoding: 'utf8' });
  return r.status === 0;
}

const available = phpAvailable();
if (!available && process.env.CI === 'true') {
  throw new Error(`the PHP differential test needs the php binary (${PHP}); install php-cli (apt-get install -y php-cli)`);
}

/** Decodes every query string with PHP's parse_str in one php process; one JSON text per case. */
function phpParseAll(queries: readonly string[]): string[] {
  // The top-level result is cast to an object so that `0=a&1=b` compares as a map of parameters, as
  // scrumd returns it; invalid UTF-8 becomes U+FFFD, as in scrumd's strings.
  const script = [
    '$in = json_decode(stream_get_contents(STDIN), true);',
    '$out = [];',
    'foreach ($in as $q) { $r = []; parse_str($q, $r); $out[] = json_encode((object)$r, JSON_INVALID_UTF8_SUBSTITUTE | JSON_PRESERVE_ZERO_FRACTION); }',
    'echo json_encode($out);',
  ].join('\n');
  const r = spawnSync(
    PHP,
    ['-n', '-d', `max_input_vars=${INPUT_LIMITS.maxVars}`, '-d', `max_input_nesting_level=${INPUT_LIMITS.maxNesting}`, '-d', 'error_reporting=0', '-r', script],
    { input: JSON.stringify(queries), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  assert.equal(r.status, 0, `php failed: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as string[];
  assert.equal(out.length, queries.length);
  return out;
}

// Pieces that exercise every rule of PHP's variable registration: brackets (closed, unclosed, empty,
// with spaces), dots and spaces in names, escapes (also of brackets, NUL, `&`, `=`), integer keys
// (canonical, leading zeros, negative, at and beyond the 64-bit range), and deep nesting.
const namePiece = fc.constantFrom(
  'a', 'b', 'x', 'Z', '_', ' ', '.', '+', '-', '0', '1', '7', '05', '-1', '-0', '[', ']', '[]', '[ ]', '[  ]', '[ x]',
  '%5B', '%5D', '%00', '%20', '%2E', '%26', '%3D', '%', '%4', '%zz', '%41', '%C3%A9', '%E2%82%AC',
  '[0]', '[1]', '[2]', '[5]', '[-5]', '[01]', '[-0]', '[a]', '[a.b]', '[ a]', '[x', '[]]', '[[a]]',
  '[9223372036854775806]', '[9223372036854775807]', '[9223372036854775808]',
  '[-9223372036854775808]', '[-9223372036854775809]', '[999999999999999]', '[1000000000000000]',
  '[__proto__]', '[constructor]', 'Ж', 'é',
);
const valuePiece = fc.constantFrom('', '1', 'x', '+', '%20', '%00', '%26', '%3D', '=', '%', '%zz', 'é', '%E2%82%AC', '[]', 'a+b');
const name = fc.oneof(
  { weight: 6, arbitrary: fc.array(namePiece, { minLength: 1, maxLength: 8 }).map((p) => p.join('')) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('a', 'b', 'a.b'), fc.integer({ min: 60, max: 68 }), fc.constantFrom('[x]', '[]', '[0]')).map(([n, d, p]) => n + p.repeat(d)) },
);
const variable = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(name, fc.array(valuePiece, { maxLength: 3 })).map(([n, v]) => `${n}=${v.join('')}`) },
  { weight: 1, arbitrary: name },
  { weight: 1, arbitrary: fc.constantFrom('', '=', '=1', '&') },
);
// Few distinct top-level names, so that variables collide, append to and overwrite each other.
const query = fc.array(variable, { minLength: 1, maxLength: 12 }).map((v) => v.join('&'));

const KNOWN: string[] = [
  'a[ ]=1',
  'a[ ]=1&a[ ]=2&a[  ]=3&a[ x]=4',
  'a[9223372036854775807]=x&a[]=y',
  'a[9223372036854775806]=x&a[]=y&a[]=z',
  'a[-5]=x&a[]=y',
  'a[-9223372036854775808]=1&a[]=2',
  'a[-9223372036854775809]=1&a[9223372036854775808]=2&a[]=3',
  'a[1]=x&a[0]=y',
  'h%00i=1&j[k%00l]=2&%00=3',
  'f[b[c=1&g[x][y=1&a.b[c d.e[f=1',
  'a' + '[x]'.repeat(64) + '=1',
  'a[b]=1&a' + '[x]'.repeat(65) + '=2&c=3&a[q]=4',
  '  a=1&+b=2&%20c[d]=3',
  'a=1&a[]=2&a[b]=3&a=4',
  'a[][x]=1&a[][x]=2&a[1][y]=3',
  'a[]]=1&a[[b]]=2&a]=3',
  '0=a&1=b',
  '5[a]=1&5[]=2',
  Array.from({ length: INPUT_LIMITS.maxVars + 5 }, (_, i) => `v${i}=${i}`).join('&'),
  Array.from({ length: INPUT_LIMITS.maxVars + 5 }, () => 'a[]=1').join('&&'),
];

test('parse_str: scrumd decodes like the php binary', { skip: available ? false : `no ${PHP} binary (set CI=true to make this a failure)` }, () => {
  const generated = fc.sample(query, { numRuns: 400 });
  const queries = [...KNOWN, ...generated];
  const expected = phpParseAll(queries);
  const failures: string[] = [];
  queries.forEach((q, i) => {
    const ours = JSON.parse(JSON.stringify(parsePhpQuery(q))) as unknown;
    const theirs = JSON.parse(expected[i]!) as unknown;
    try {
      assert.deepStrictEqual(ours, theirs);
    } catch {
      failures.push(`${JSON.stringify(q.length > 300 ? q.slice(0, 300) + '…' : q)}\n  php:    ${expected[i]!.slice(0, 300)}\n  scrumd: ${JSON.stringify(ours).slice(0, 300)}`);
    }
  });
  assert.equal(failures.length, 0, `${failures.length} of ${queries.length} query strings decode differently:\n${failures.slice(0, 15).join('\n')}`);
});
