// The benchmark baseline: a bare node:http server answering every request with a fixed small JSON
// body, the ceiling any Node HTTP server on this machine can reach. Usage: node baseline.mjs PORT
import { createServer } from 'node:http';

const body = JSON.stringify({
  result: { id: 5, groupId: 1, entityType: 'sprint', name: 'Sprint 4', goal: '', sort: 4, createdBy: 1, modifiedBy: 1, status: 'active' },
  time: { start: 1700000000.123456, finish: 1700000000.124, duration: 0.000544, processing: 0.0003, date_start: '2023-11-14T22:13:20+00:00', date_finish: '2023-11-14T22:13:20+00:00', operating_reset_at: 1700000600, operating: 0 },
});
// SPIN_US=30: busy-waits that many microseconds before every answer — a calibration experiment only
// (how the ratio falls as a server does more per request on this machine), never used by the runner.
const spinUs = Number(process.env.SPIN_US ?? 0);
function spin() {
  const until = performance.now() + spinUs / 1000;
  while (performance.now() < until);
}

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (spinUs > 0) spin();
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`listening ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
