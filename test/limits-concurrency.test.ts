/**
 * The request-rate bucket under concurrency (issue 10 §3, issue 11 §4): a burst of 150 simultaneous
 * calls of one credential with `--limits bitrix` lets through the 50 the bucket holds (plus what drains
 * while the burst lasts) and refuses the rest with 503 — never everything, never a 500 — with one
 * process and with two processes sharing the database (separate processes on PostgreSQL, `--workers 2`
 * on SQLite).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startServerProcesses } from './helpers/serverProcesses.js';

const BURST = 150;
const THRESHOLD = 50; // the bitrix preset
const DRAIN = 2; // per second

for (const processes of [1, 2]) {
  describe(`request-rate limit, ${processes} process(es)`, () => {
    test(`a burst of ${BURST} concurrent calls lets ${THRESHOLD} (plus the drain) through and refuses the rest with 503`, async () => {
      const s = await startServerProcesses(processes, ['--limits', 'bitrix'], 'limits');
      try {
        const started = Date.now();
        const replies = await Promise.all(Array.from({ length: BURST }, () => s.call('server.time', {})));
        const seconds = (Date.now() - started) / 1000;
        const statuses = replies.map((r) => r.status);
        const bad = replies.filter((r) => r.status !== 200 && r.status !== 503);
        assert.deepEqual(bad.map((r) => `${r.status} ${r.text}`), [], 'only 200 and 503 answers');
        for (const r of replies.filter((x) => x.status === 503)) assert.equal(r.body.error, 'QUERY_LIMIT_EXCEEDED');
        const allowed = statuses.filter((x) => x === 200).length;
        assert.ok(allowed >= THRESHOLD, `at least the bucket's ${THRESHOLD} pass (got ${allowed})`);
        // What drained while the burst lasted may pass too, nothing more.
        const bound = THRESHOLD + Math.ceil(DRAIN * seconds) + 1;
        assert.ok(allowed <= bound, `at most ${bound} pass in ${seconds.toFixed(2)} s (got ${allowed})`);
      } finally {
        await s.close();
      }
    });
  });
}
