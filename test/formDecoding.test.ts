/** PHP parse_str semantics of query strings and form bodies (protocol.md §2.2), and PHP value casts (B6). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import './helpers/propertySeed.js';
import qs from 'qs';
import { assemblePhpFields, decodePhpQuery, parsePhpQuery } from '../src/protocol/formDecoding.js';
import { decodeJsonBody, jsonDepthWithin } from '../src/transport/requestBody.js';
import { isNumeric, toFloat, toInt, toStr, truthy } from '../src/core/php.js';

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

describe('input limits (PHP max_input_vars, max_input_nesting_level)', () => {
  test('the first 10,000 variables are kept, the rest dropped; empty pieces are not variables', () => {
    const vars = (n: number) => Array.from({ length: n }, (_, i) => `v${i}=${i}`);
    const at = decodePhpQuery(vars(10_000).join('&&'));
    assert.equal(Object.keys(at.params).length, 10_000);
    assert.equal(at.truncated, false);
    const past = decodePhpQuery([...vars(10_000), 'last=1'].join('&'));
    assert.equal(Object.keys(past.params).length, 10_000);
    assert.equal(past.params.last, undefined);
    assert.equal(past.truncated, true);
    // appends count one by one
    const appends = parsePhpQuery(Array(10_005).fill('a[]=1').join('&')).a as unknown[];
    assert.equal(appends.length, 10_000);
    // multipart fields alike
    assert.equal(Object.keys(assemblePhpFields(vars(10_001).map((v): [string, string] => [v.split('=')[0]!, '1']))).length, 10_000);
  });

  test('a name nested deeper than 64 levels drops its top-level variable, in multipart fields too', () => {
    const deep = 'a' + '[x]'.repeat(65);
    assert.deepEqual(plain(assemblePhpFields([['a[b]', '1'], [deep, '2'], ['c', '3']])), { c: '3' });
  });

  test('JSON: nesting is checked before parsing; 511 levels are read, 512 ignored; brackets inside strings do not count', () => {
    const nested = (n: number) => Buffer.from('['.repeat(n) + ']'.repeat(n));
    assert.ok(decodeJsonBody(nested(511)));
    assert.equal(decodeJsonBody(nested(512)), null);
    assert.equal(decodeJsonBody(Buffer.from('['.repeat(8_000_000))), null);
    assert.deepEqual(plain(decodeJsonBody(Buffer.from('{"a":"[[[\\"{{{","b":[1]}'))), { a: '[[["{{{', b: [1] });
  });

  test('property: the depth checked before parsing is the depth of the parsed document', () => {
    const depthOf = (v: unknown): number =>
      v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 9 }), (v, limit) => {
        const text = Buffer.from(JSON.stringify(v));
        assert.equal(jsonDepthWithin(text, limit), depthOf(v) <= limit);
      }),
      { numRuns: 500 },
    );
  });
});

/**
 * Linear work for every shape of name, counted deterministically: every Map operation, every key
 * a Map iterator yields, and every character String#indexOf passes over while decoding (the old
 * decoder rescanned every key of an array on each `[]` append, so 8 times the variables cost 64
 * times the work; a search for `=` past the end of a piece without one would rescan the input). Decoding 8 times the input must cost
 * at most 9 times the work. The limits are lifted so that the large input is decoded in full.
 */
describe('decoding work grows linearly with the input', () => {
  const unlimited = { maxVars: Number.POSITIVE_INFINITY, maxNesting: 64 };
  const shapes: [string, (i: number) => string][] = [
    ['appends a[]=1', () => 'a[]=1'],
    ['appends at depth 64', () => 'a' + '[x]'.repeat(63) + '[]=1'],
    ['appends inside appends', (i) => (i % 2 ? 'a[][x]=1' : 'a[1][]=1')],
    ['distinct plain names', (i) => `k${i}=1`],
    ['distinct bracketed names', (i) => `f[k${i}]=1`],
    ['sparse huge indexes then appends', (i) => (i % 2 ? `a[${4_000_000_000_000_000_000n + BigInt(i) * 7919n}]=1` : 'a[]=1')],
    ['negative indexes', (i) => `a[-${i}]=1&a[]=2`],
    ['names past the nesting limit', (i) => `a[${i}]=1&a` + '[x]'.repeat(65) + '=1'],
    ['pieces without =', (i) => (i % 3 ? 'a' : `b[${i}]`)],
    ['unclosed brackets', (i) => `a${i}[b[c.d`],
  ];

  /** Runs f and counts the Map operations, iterated entries and characters searched it causes. */
  function mapWork(f: () => void): number {
    let ops = 0;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const indexOf = String.prototype.indexOf;
    String.prototype.indexOf = function (this: string, search: string, from = 0) {
      const r = indexOf.call(this, search, from);
      ops += (r < 0 ? this.length : r) - Math.max(0, from) + 1;
      return r;
    };
    const proto = Map.prototype as unknown as Record<string | symbol, (...a: unknown[]) => unknown>;
    const names: (string | symbol)[] = ['get', 'set', 'has', 'delete', 'forEach', 'keys', 'values', 'entries', Symbol.iterator];
    const saved = new Map(names.map((n) => [n, proto[n]!] as const));
    const counting = (it: Iterator<unknown>): IterableIterator<unknown> => ({
      next: () => (ops++, it.next()),
      [Symbol.iterator]() {
        return this;
      },
    });
    for (const n of names) {
      const original = saved.get(n)!;
      const iterates = n === 'keys' || n === 'values' || n === 'entries' || n === Symbol.iterator;
      proto[n] = function (this: unknown, ...args: unknown[]) {
        ops++;
        const r = original.apply(this, args);
        return iterates ? counting(r as Iterator<unknown>) : r;
      };
    }
    try {
      f();
    } finally {
      for (const n of names) proto[n] = saved.get(n)!;
      String.prototype.indexOf = indexOf;
    }
    return ops;
  }

  for (const [name, unit] of shapes) {
    test(name, () => {
      const n = 2_000;
      const make = (count: number) => Array.from({ length: count }, (_, i) => unit(i)).join('&');
      const small = make(n);
      const large = make(8 * n);
      const wSmall = mapWork(() => parsePhpQuery(small, unlimited));
      const wLarge = mapWork(() => parsePhpQuery(large, unlimited));
      assert.ok(wSmall >= n, `the decoder's work is counted (${wSmall} operations)`);
      assert.ok(wLarge <= 9 * wSmall, `query: ${8 * n} variables cost ${wLarge} operations, ${n} cost ${wSmall}`);
      const pairs = (q: string) => q.split('&').map((p): [string, string] => [p.split('=')[0]!, '1']);
      const pSmall = pairs(small);
      const pLarge = pairs(large);
      const mSmall = mapWork(() => assemblePhpFields(pSmall, unlimited));
      const mLarge = mapWork(() => assemblePhpFields(pLarge, unlimited));
      assert.ok(mLarge <= 9 * mSmall, `multipart: ${8 * n} fields cost ${mLarge} operations, ${n} cost ${mSmall}`);
    });
  }
});
