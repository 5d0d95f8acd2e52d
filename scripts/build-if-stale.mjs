#!/usr/bin/env node
/**
 * `npm start` builds only when the build is missing or older than a source: the newest modification
 * time under src/ (and of tsconfig.json and package.json) against dist/cli.js, and under web/ against
 * the web board's dist/web/index.html. A fresh clone is built by `npm ci` (the `prepare` script); after
 * that a start costs the server's own start-up, not tsc's or Vite's. `--web` checks the board only.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..');
const webOnly = process.argv.includes('--web');

function newest(path) {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs; // a deleted or renamed file changes its folder
  for (const e of readdirSync(path)) t = Math.max(t, newest(join(path, e)));
  return t;
}

const builtAt = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0;
const require = createRequire(import.meta.url);

function run(what, script, args) {
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) {
    console.error(`scrumd: building ${what} failed`);
    process.exit(r.status ?? 1);
  }
}

if (!webOnly) {
  const built = builtAt(join(root, 'dist', 'cli.js'));
  const sources = Math.max(newest(join(root, 'src')), newest(join(root, 'tsconfig.json')), newest(join(root, 'package.json')));
  if (built < sources) {
    console.error(built === 0 ? 'scrumd: building (dist/ is missing)…' : 'scrumd: sources changed since the last build: building…');
    run('the server', require.resolve('typescript/bin/tsc'), ['-p', join(root, 'tsconfig.json')]);
  }
}

// The web board (web/ → dist/web), built by Vite; the sources are plain files under web/.
const webBuilt = builtAt(join(root, 'dist', 'web', 'index.html'));
// (a tree without web/, e.g. a server-only copy, builds the server only)
const webSources = Math.max(newest(join(root, 'web')), newest(join(root, 'package.json')));
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (webSources > 0 && statSync(join(root, 'web', 'index.html'), { throwIfNoEntry: false }) && webBuilt < webSources) {
  if (!statSync(vite, { throwIfNoEntry: false })) {
    // an install without devDependencies: the server runs, the board answers "not built"
    console.error('scrumd: the web board is not built and Vite is not installed (npm install --include=dev)');
  } else {
    console.error(webBuilt === 0 ? 'scrumd: building the web board (dist/web is missing)…' : 'scrumd: web board sources changed: building…');
    run('the web board', vite, ['build', join(root, 'web'), '--logLevel', 'warn']);
  }
}
