// Preloaded (node --import) into every process the benchmark starts: the process ends by itself when
// the benchmark that started it is gone, or after BENCH_CHILD_MAX_SECONDS (default 30 min) at the latest.
const parent = process.ppid;
const deadline = Date.now() + Number(process.env.BENCH_CHILD_MAX_SECONDS ?? 1800) * 1000;
const timer = setInterval(() => {
  let parentAlive = true;
  try {
    process.kill(parent, 0);
  } catch {
    parentAlive = false;
  }
  if (!parentAlive || process.ppid !== parent || Date.now() > deadline) process.exit(0);
}, 1000);
timer.unref();
