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

/** npm's own command line, or `npm` on PATH outside npm. */
function npm(args, env = process.env) {
  const cli = process.env.npm_execpath;
  const r = cli
    ? spawnSync(process.execPath, [cli, ...args], { cwd: ROOT, stdio: 'inherit', env })
    : spawnSync('npm', args, { cwd: ROOT, stdio: 'inherit', env });
  return r.status ?? 1;
}

if (!buildIsCurrent()) {
  // `npm install -g git+...` prepares the clone with an install that inherits -g, so the clone
  // gets no devDependencies and the build no tsc (npm/cli#8440): install them here, locally.
  if (!fs.existsSync(path.join(ROOT, 'node_modules/typescript/package.json'))) {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(global|prefix|location)$/i.test(k)));
    const status = npm(['install', '--global=false', '--include=dev', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund'], env);
    if (status !== 0) process.exit(status);
  }
  process.exitCode = npm(['run', 'build']);
}
