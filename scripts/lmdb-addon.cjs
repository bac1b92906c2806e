/**
 * Stands in for node-gyp-build-optional-packages inside the bundle (scripts/bundle.mjs), where lmdb's
 * JavaScript is bundled and compiled from the code cache with the rest. lmdb hands the loader its
 * own folder, which inside the bundle would be dist/: the addon is found from lmdb's real folder
 * instead, by the real loader (which searches build/, prebuilds/ and @lmdb/lmdb-PLATFORM-ARCH), and
 * the file it found is remembered beside the bundle (dist/tszfs.cjs.addon) for the next start, keyed
 * by the bundle's path, Node's ABI, platform and architecture: a start then loads the addon
 * directly, without resolving lmdb or searching (a few milliseconds of every command). Each build
 * removes the memo (scripts/bundle.mjs), so a memo is never older than the lmdb bundled; one that
 * does not hold (a copy unpacked elsewhere), or cannot be written (a read-only install), only
 * costs the search.
 */
const fs = require('node:fs');
const path = require('node:path');
const { createRequire } = require('node:module');

module.exports = function loadAddon() {
  const here = createRequire(__filename);
  const memo = `${__filename}.addon`;
  const key = `${__filename}\0${process.versions.modules}\0${process.platform}\0${process.arch}`;
  try {
    const [k, file] = fs.readFileSync(memo, 'utf8').split('\n');
    if (k === key) return here(file);
  } catch {
    // no memo, or its file is gone: search
  }
  const lmdbDir = path.dirname(here.resolve('lmdb')).replace(/[\\/]dist$/, '');
  const file = createRequire(path.join(lmdbDir, 'package.json'))('node-gyp-build-optional-packages').resolve(lmdbDir);
  const addon = here(file);
  const temp = `${memo}.${process.pid}`;
  try {
    fs.writeFileSync(temp, `${key}\n${file}`);
    fs.renameSync(temp, memo);
  } catch {
    fs.rmSync(temp, { force: true });
  }
  return addon;
};
