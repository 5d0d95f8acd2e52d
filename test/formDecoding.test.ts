/** PHP parse_str semantics of query strings and form bodies (protocol.md §2.2), and PHP value casts (B6). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import qs from 'qs';
import { parsePhpQuery } from '../src/protocol/formDecoding.js';
import { isNumeric, toFloat, toInt, toStr, truthy } from '../src/protocol/php.js';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));

test('the decoding table of protocol.md §2.2', () => {
  const cases: [string, unknown][] = [
    ['a=1', { a: '1' }],
    ['a=1&a=2', { a: '2' }],
    ['a', { a: '' }],
    ['fields[groupId]=125', { fields: { groupId: '125' } }],
    ['fields[PHONE][0][VALUE]=1&fields[PHONE][1][VALUE]=2', { fields: { PHONE: [{ VALUE: '1' }, { VALUE: '2' }] } }],
    ['files[]=n1&files[]=n2', { files: ['n1', 'n2'] }],
    ['a[5]=x&a[]=y', { a: { 5: 'x', 6: 'y' } }],
    ['a[0]=x&a[2]=y', { a: { 0: 'x', 2: 'y' } }],
    ['a[]=', { a: [''] }],
    ['cmd[a]=user.get%3FID%3D1', { cmd: { a: 'user.get?ID=1' } }],
    ['a=x+y%20z', { a: 'x y z' }],
    ['a.b=1', { a_b: '1' }],
    ['a%20b=1', { a_b: '1' }],
    ['a[b=1', { a_b: '1' }],
    ['filter[%3E%3DDATE]=1', { filter: { '>=DATE': '1' } }],
    ['filter[>=DATE]=1', { 'filter_>': 'DATE]=1' }], // the first '=' ends the name, as in PHP
    ['x[a.b]=1', { x: { 'a.b': '1' } }],
    ['a=%ZZ&b=%e2%82%ac', { a: '%ZZ', b: '€' }],
    ['=1&&b=2', { b: '2' }],
    ['a[b]c=1', { a: { b: '1' } }],
    ['a=1&a[b]=2', { a: { b: '2' } }],
    ['a[b]=1&a=2', { a: '2' }],
  ];
  for (const [input, expected] of cases) assert.deepEqual(plain(parsePhpQuery(input)), expected, input);
});

test('the order of keys is kept; a map that is not 0..n-1 in order stays a map', () => {
  const r = parsePhpQuery('a[1]=x&a[0]=y');
  assert.deepEqual(Object.entries(r.a as object), [['0', 'y'], ['1', 'x']].map(([k, v]) => [k, v]));
  assert.ok(!Array.isArray(r.a));
});

test('deep nesting up to 64 bracket levels is decoded; a deeper variable drops its whole top-level name (PHP max_input_nesting_level)', () => {
  const deep = (n: number) => 'a' + '[x]'.repeat(n) + '=1';
  let v: unknown = parsePhpQuery(deep(64)).a;
  for (let i = 0; i < 64; i++) v = (v as Record<string, unknown>).x;
  assert.equal(v, '1');
  // PHP deletes `a` (also what was decoded before) and goes on: a later `a[…]` starts afresh.
  assert.deepEqual(plain(parsePhpQuery('a[b]=1&' + deep(65) + '&b=2&a[c]=3')), { b: '2', a: { c: '3' } });
});

test('large indexes are kept as keys', () => {
  const r = parsePhpQuery('a[500]=x&a[]=y');
  assert.deepEqual(plain(r), { a: { 500: 'x', 501: 'y' } });
});

// Keys the generator may use: no brackets, dots, spaces or numeric-looking names (PHP rewrites those).
const key = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_>=<!%@-]{0,8}$/).filter((k) => k !== '__proto__');
const leaf = fc.string({ maxLength: 12 });
const tree = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 4 })),
})).node;

test('property: what qs encodes with brackets, the PHP decoder reads back exactly', () => {
  fc.assert(
    fc.property(fc.dictionary(key, tree, { minKeys: 1, maxKeys: 5 }), (obj) => {
      const encoded = qs.stringify(obj);
      assert.deepEqual(plain(parsePhpQuery(encoded)), plain(obj));
    }),
    { numRuns: 300 },
  );
});

test('property: lists encoded with indexes or brackets come back as lists', () => {
  fc.assert(
    fc.property(fc.array(leaf, { minLength: 1, maxLength: 30 }), fc.constantFrom('indices', 'brackets') as fc.Arbitrary<'indices' | 'brackets'>, (list, arrayFormat) => {
      assert.deepEqual(plain(parsePhpQuery(qs.stringify({ l: list }, { arrayFormat }))), { l: list });
    }),
  );
});

test('property: decoding never throws on arbitrary input', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => void parsePhpQuery(s)), { numRuns: 500 });
});

test('PHP casts (scrum-api.md B6)', () => {
  for (const [v, n] of [['1', true], [' 7', true], ['7 ', true], ['1e3', true], ['.5', true], ['5.', true], ['-3', true], ['+3', true], ['0x1A', false], ['', false], ['1,5', false], ['12abc', false], [true, false], [null, false], [[1], false], [1.5, true], [Infinity, false]] as [unknown, boolean][]) {
    assert.equal(isNumeric(v), n, JSON.stringify(v));
  }
  for (const [v, n] of [['12abc', 12], ['abc', 0], ['1e3', 1000], ['  7', 7], ['7.9', 7], [-7.9, -7], [true, 1], [false, 0], [null, 0], [[], 0], [[0], 1], ['1e100', Number.MAX_SAFE_INTEGER]] as [unknown, number][]) {
    assert.equal(toInt(v), n, JSON.stringify(v));
  }
  for (const [v, s] of [[1, '1'], [1.0, '1'], [1.5, '1.5'], [true, '1'], [false, ''], [null, ''], [[1], 'Array'], [1e25, '1.0E+25']] as [unknown, string][]) {
    assert.equal(toStr(v), s, JSON.stringify(v));
  }
  for (const [v, f] of [['3abc', 3], ['XL', 0], ['1,5', 1], [null, 0], ['0.5', 0.5]] as [unknown, number][]) {
    assert.equal(toFloat(v), f);
  }
  for (const [v, b] of [['false', true], ['N', true], ['0', false], ['', false], [0, false], [0.0, false], [[], false], [{}, false], ['0.0', true], [null, false]] as [unknown, boolean][]) {
    assert.equal(truthy(v), b, JSON.stringify(v));
  }
});
