#!/usr/bin/env node
// Runs the built CLI; the name it is run by picks zfs or zpool (src/cli/main.ts).
//
// Start-up is what shell loops pay, so `npm run build` also bundles dist/ into one CommonJS file,
// dist/tszfs.cjs (scripts/bundle.mjs), compiled here through vm.Script with a V8 code cache beside
// it: a warm start neither resolves ~70 modules nor parses them. The per-file ES modules in
// dist/ stay the fallback: used when the bundle is missing or was not built from them (its build
// stamp is not the one at the end of dist/cli/main.js: dist/ was rebuilt by a bare `tsc`), or
// when TSZFS_NO_BUNDLE is set. A stamp, not file times: unpacking a package sets those in
// whatever order it writes the files.
//
// This file is CommonJS (bin/package.json), so that Node starts it without its ES module loader,
// and `tszfs --version` alone is answered from package.json without loading the CLI at all.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'tszfs.cjs');

if (process.argv.length === 3 && process.argv[2] === '--version' && !process.env.TSZFS_LOG) {
  // What main.ts prints for it (VERSION is package.json's version: test/cli/startup-and-help.test.ts).
  fs.writeSync(1, `tszfs ${require('../package.json').version}\n`);
} else {
  const source = currentBundle();
  const started = source !== null ? Promise.resolve(loadBundle(source)) : import('../dist/cli/main.js');
  started
    .then(({ main }) => main(process.argv))
    .then((status) => {
      process.exitCode = status;
    });
}

/** The bundle's source when it was built from the modules beside it, else null. */
function currentBundle() {
  if (process.env.TSZFS_NO_BUNDLE) return null;
  try {
    // ASCII only (scripts/bundle.mjs checks): latin1 makes a one-byte string without decoding UTF-8
    const source = fs.readFileSync(bundle, 'latin1');
    const stamp = /^\/\* tszfs-build ([0-9a-f]+) \*\//.exec(source)?.[1];
    const main = fs.readFileSync(path.join(dist, 'cli', 'main.js'), 'utf8');
    return stamp !== undefined && main.endsWith(`\n// tszfs-build ${stamp}\n`) ? source : null;
  } catch {
    return null;
  }
}

function loadBundle(source) {
  const vm = require('node:vm');
  const { createRequire } = require('node:module');
  // One cache per Node build: V8 takes another build's code cache without rejecting it when their
  // V8 versions match, and Node 20.19 then crashes on a cache that Node 20.20 wrote.
  const cacheFile = `${bundle}.${process.version}-${process.arch}.cache`;
  let cachedData;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapped, { filename: bundle, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(bundle), module, bundle, dist);
  if (cachedData === undefined || script.cachedDataRejected) {
    // Written once the command has run (process exit), so the cache holds the functions it
    // compiled; written aside and renamed, so a concurrent start never reads half a file.
    process.once('exit', () => {
      const temp = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(temp, script.createCachedData());
        fs.renameSync(temp, cacheFile);
      } catch {
        fs.rmSync(temp, { force: true }); // a read-only install runs without a cache
      }
    });
  }
  return module.exports;
}
