#!/usr/bin/env node
/**
 * npm's `prepare` (run after `npm install` in a clone, and by npm for a git dependency before it
 * packs it): build dist/ where it is missing or its bundle was not built from it, so that every
 * way of installing tszfs ends with a runnable bin/tszfs.js. A copy with a current build, such as
 * an unpacked `npm pack` tarball, is left as it is. (`prepack` always builds: a tarball gets a
 * fresh one.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(ROOT, 'dist');

/** bin/tszfs.js's test: the bundle's build stamp is the one at the end of dist/cli/main.js. */
function buildIsCurrent() {
  try {
    const stamp = /^\/\* tszfs-build ([0-9a-f]+) \*\//.exec(fs.readFileSync(path.join(dist, 'tszfs.cjs'), 'utf8'))?.[1];
    return stamp !== undefined && fs.readFileSync(path.join(dist, 'cli/main.js'), 'utf8').endsWith(`\n// tszfs-build ${stamp}\n`);
  } catch {
    return false;
  }
}

if (!buildIsCurrent()) {
  const npm = process.env.npm_execpath;
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
