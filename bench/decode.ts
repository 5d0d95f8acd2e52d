/**
 * The decode scenario of `npm run bench` (not a timed test): how long the compiled server's body
 * decoding takes for a 1 MB body of each hostile shape — `[]` appends, 64-level names, distinct
 * names, sparse huge indexes, pieces without `=`, long names, multipart fields, and JSON nesting — with the server's input limits
 * (10,000 variables, 64 levels, JSON 511 levels), in this process, median and worst of a few runs.
 * Decoding was quadratic before (issue 10): 40,000 appends took 25 s.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface DecodeModule {
  decodeBody(body: Buffer, contentType: string): Promise<unknown>;
}

interface DecodeRow {
  shape: string;
  bytes: number;
  medianMs: number;
  worstMs: number;
}

const MB = 1 << 20;
const RUNS = 9;

/** `unit(i)` joined with `&` until the text reaches `size` bytes. */
function joined(unit: (i: number) => string, size = MB): string {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const u = unit(i);
    parts.push(u);
    n += u.length + 1;
  }
  return parts.join('&');
}

function multipart(count: number): { body: Buffer; type: string } {
  const b = 'benchboundary';
  const part = `--${b}\r\ncontent-disposition: form-data; name="a[]"\r\n\r\n1\r\n`;
  return { body: Buffer.from(part.repeat(count) + `--${b}--\r\n`), type: `multipart/form-data; boundary=${b}` };
}

function shapes(): { shape: string; body: Buffer; type: string }[] {
  const form = 'application/x-www-form-urlencoded';
  const mp = multipart(Math.floor(MB / 60));
  return [
    { shape: 'form: a[]=1 appends', body: Buffer.from(joined(() => 'a[]=1')), type: form },
    { shape: 'form: 64-level names', body: Buffer.from(joined(() => 'a' + '[x]'.repeat(64) + '=1')), type: form },
    { shape: 'form: distinct names', body: Buffer.from(joined((i) => `k${i}=1`)), type: form },
    { shape: 'form: sparse huge indexes and appends', body: Buffer.from(joined((i) => `a[${9_000_000_000_000_000_000n - BigInt(i) * 7919n}]=1&a[]=2`)), type: form },
    { shape: 'form: one 1 MB escaped value', body: Buffer.from('a=' + '%41'.repeat(MB / 3)), type: form },
    { shape: 'form: pieces without =', body: Buffer.from('a&'.repeat(MB / 2)), type: form },
    { shape: 'form: one 1 MB name of unclosed brackets', body: Buffer.from('a' + '[. '.repeat(MB / 3)), type: form },
    { shape: 'multipart: a[] fields', body: mp.body, type: mp.type },
    { shape: 'JSON: [ nested 1 MB deep', body: Buffer.from('['.repeat(MB)), type: 'application/json' },
    { shape: 'JSON: 511 levels, then wide', body: Buffer.from('['.repeat(510) + JSON.stringify(Array(MB / 2).fill(1)) + ']'.repeat(510)), type: 'application/json' },
  ];
}

/** Measures the compiled decoder (dist/transport/requestBody.js) on each shape. */
export async function measureDecoding(root: string): Promise<DecodeRow[]> {
  const mod = (await import(pathToFileURL(join(root, 'dist', 'transport', 'requestBody.js')).href)) as DecodeModule;
  const rows: DecodeRow[] = [];
  for (const { shape, body, type } of shapes()) {
    await mod.decodeBody(body, type); // warm-up
    const times: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const t0 = performance.now();
      await mod.decodeBody(body, type);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    rows.push({ shape, bytes: body.length, medianMs: times[Math.floor(RUNS / 2)]!, worstMs: times[RUNS - 1]! });
  }
  return rows;
}

export function decodeTable(rows: readonly DecodeRow[]): string {
  return [
    '### Decoding a 1 MB body',
    '',
    `In the runner process, the compiled decoder with the server's input limits; median and worst of ${RUNS} runs after a warm-up.`,
    '',
    '| shape | bytes | median ms | worst ms |',
    '|---|---:|---:|---:|',
    ...rows.map((r) => `| ${r.shape} | ${r.bytes.toLocaleString('en')} | ${r.medianMs.toFixed(1)} | ${r.worstMs.toFixed(1)} |`),
  ].join('\n');
}
