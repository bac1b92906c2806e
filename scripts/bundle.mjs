#!/usr/bin/env node
/**
 * Second half of `npm run build`: after tsc has written dist/ (one ES module per source file),
 * bundle the CLI into one CommonJS file, dist/tszfs.cjs, and prime a V8 code cache for it.
 *
 * Why: start-up is what a shell loop pays on every call. Node 20 loads ~70 small ES modules
 * (resolution, one compile each) and has no compile cache of its own (module.enableCompileCache
 * arrived in Node 22). One CommonJS file can be compiled through vm.Script with `cachedData`,
 * which bin/tszfs.js does, so a warm start skips parsing and compiling almost entirely.
 * lmdb's JavaScript is bundled too (its own CommonJS build, loaded apart, cost every command ~15 ms
 * to resolve, read and compile, with a second copy of msgpackr); only its native addon is loaded
 * apart, through scripts/lmdb-addon.cjs.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/tszfs.cjs');

// The build stamp: a hash of the per-module build, written at the head of the bundle and at the
// end of dist/cli/main.js. bin/tszfs.js runs the bundle only when the two agree, so a bare `tsc`
// afterwards (which rewrites main.js without it) sends it back to the modules. File times cannot
// say this: unpacking a tarball (npm install) gives them in whatever order it writes the files.
const MAIN = path.join(ROOT, 'dist/cli/main.js');
const STAMP_LINE = /\n\/\/ tszfs-build [0-9a-f]+\n$/;
fs.writeFileSync(MAIN, fs.readFileSync(MAIN, 'utf8').replace(STAMP_LINE, '\n'));
const stamp = buildHash(path.join(ROOT, 'dist'));

/**
 * lmdb's CommonJS build, as Node loads it for require(): with its own copy of msgpackr (lmdb changes
 * msgpackr's module state, which tszfs's encoder, engine/store/checked-encoding.ts, must not share).
 */
const lmdbCommonJs = {
  name: 'lmdb-commonjs',
  setup(b) {
    b.onResolve({ filter: /^lmdb$/ }, () => ({ path: createRequire(import.meta.url).resolve('lmdb') }));
    // Both copies of msgpackr without its streams: msgpackr's Node entry points define
    // `class PackrStream extends Transform` as they load, which loads node:stream (~2 ms of every
    // start-up) for classes tszfs never uses. lmdb gets msgpackr's CommonJS build of the same
    // exports minus the streams (dist/index.js), tszfs its ES module one (index.js).
    b.onResolve({ filter: /^msgpackr$/ }, ({ importer }) => {
      const nodeEntry = createRequire(importer).resolve('msgpackr'); // .../msgpackr/dist/node.cjs
      const dir = path.dirname(path.dirname(nodeEntry));
      return { path: /[\\/]node_modules[\\/]lmdb[\\/]/.test(importer) ? path.join(dir, 'dist/index.js') : path.join(dir, 'index.js') };
    });
  },
};

/**
 * yargs's platform shim asks `process.stdout.columns` as it loads, which makes Node build the
 * stdout stream (node:tty, node:net, node:stream: ~4 ms of every start-up) for a width that only
 * yargs's own help screens use, and tszfs never shows them (usage text is src/cli/usage.ts). In
 * the bundle the shim asks when the width is first wanted instead: the same value, later.
 */
const yargsLazyColumns = {
  name: 'yargs-lazy-columns',
  setup(b) {
    b.onLoad({ filter: /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/ }, ({ path: file }) => {
      const eager = "stdColumns: typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null";
      const source = fs.readFileSync(file, 'utf8');
      if (!source.includes(eager)) throw new Error(`${file}: yargs's stdColumns line changed; update scripts/bundle.mjs`);
      return { loader: 'js', contents: source.replace(eager, `get stdColumns() { return typeof process.stdout.columns !== 'undefined' ? process.stdout.columns : null; }`), resolveDir: path.dirname(file) };
    });
  },
};

/**
 * Node's heavier built-in modules, loaded only when the bundle first uses one of their exports.
 * Each `require('node:crypto')` (and the like) in the bundle gets an object of getters instead,
 * which requires the real module on first access. Without it every command paid for crypto,
 * zlib, worker_threads, tty (and net, stream beneath it), assert and os at start-up, ~6-9 ms of
 * CPU, whether it used them or not: most commands never do.
 */
const LAZY_BUILTINS = ['assert', 'async_hooks', 'child_process', 'crypto', 'net', 'os', 'readline', 'stream', 'tty', 'v8', 'worker_threads', 'zlib'];
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      args.namespace === 'lazy-builtin' ? { path: args.path, external: true } : { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' },
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, ({ path: name }) => {
      const mod = createRequire(import.meta.url)(`node:${name}`);
      const keys = Object.keys(mod).filter((k) => k !== 'default');
      // assert's functions are taken as values when yargs loads (its platform shim): those are
      // functions that call the real ones, so that taking them loads nothing.
      const forward = (k) => name === 'assert' && typeof mod[k] === 'function' && !/^[A-Z]/.test(k);
      const getters = keys.map((k) =>
        forward(k)
          ? `  ${JSON.stringify(k)}: { enumerable: true, value: (...args) => real()[${JSON.stringify(k)}](...args) },`
          : `  ${JSON.stringify(k)}: { enumerable: true, get: () => real()[${JSON.stringify(k)}] },`,
      );
      return {
        loader: 'js',
        contents: `let mod;
const real = () => (mod ??= require('node:${name}'));
module.exports = Object.defineProperties({}, {
${getters.join('\n')}
});
`,
      };
    });
  },
};

await build({
  entryPoints: [path.join(ROOT, 'dist/cli/main.js')],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The compression codecs are native addons too, required only by a record that needs one.
  // cli-table3 is required only by the commands that draw tables (tree, blocks): outside the
  // bundle, every other command's start-up neither reads nor compiles it.
  external: ['lz4-napi', '@toondepauw/node-zstd', 'cli-table3'],
  // yargs's ES module build and tszfs's own modules read import.meta.url, which a CommonJS file lacks.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: `/* tszfs-build ${stamp} */\nconst __bundleUrl = require('node:url').pathToFileURL(__filename).href;` },
  alias: {
    'string-width': path.join(ROOT, 'scripts/string-width.js'),
    'node-gyp-build-optional-packages': path.join(ROOT, 'scripts/lmdb-addon.cjs'),
    'msgpackr-extract': path.join(ROOT, 'scripts/no-msgpackr-extract.cjs'),
  },
  plugins: [lmdbCommonJs, lazyBuiltins, yargsLazyColumns],
  logLevel: 'warning',
});

// Every module that imports a namespace or default of a CommonJS module (node:fs in 33 of them,
// node:path in 24) got its own copy of every export as a getter from esbuild's __toESM, thousands
// of defineProperty calls per start-up: one namespace per module object is made once and shared,
// as ES modules share one namespace per module.
const TO_ESM = 'var __toESM = (';
let text = fs.readFileSync(OUT, 'utf8');
if (!text.includes(TO_ESM) || !text.includes('var __toCommonJS = ')) throw new Error('bundle: esbuild\'s __toESM helper is not where scripts/bundle.mjs expects it');
text = text.replace(TO_ESM, 'var __toESMFresh = (');
const helperEnd = text.indexOf('var __toCommonJS = ');
text =
  text.slice(0, helperEnd) +
  'var __namespaces = [new WeakMap(), new WeakMap()];\n' +
  'var __toESM = (mod, isNodeMode) => {\n' +
  '  if (mod == null || (typeof mod !== "object" && typeof mod !== "function")) return __toESMFresh(mod, isNodeMode);\n' +
  '  const made = __namespaces[isNodeMode ? 1 : 0];\n' +
  '  let ns = made.get(mod);\n' +
  '  if (ns === undefined) made.set(mod, (ns = __toESMFresh(mod, isNodeMode)));\n' +
  '  return ns;\n' +
  '};\n' +
  text.slice(helperEnd);
// bin/tszfs.js reads the bundle as latin1 (a one-byte string, faster than decoding UTF-8), which
// is right only while every byte is ASCII (esbuild's default charset escapes the rest).
if (/[^\x00-\x7f]/.test(text)) throw new Error('bundle: dist/tszfs.cjs is not ASCII; bin/tszfs.js reads it as latin1');
fs.writeFileSync(OUT, text);

fs.appendFileSync(MAIN, `// tszfs-build ${stamp}\n`);
// The lmdb addon's memo (scripts/lmdb-addon.cjs) is made again by the warm-up below, for the lmdb
// just bundled.
fs.rmSync(`${OUT}.addon`, { force: true });

/** sha256 (first 16 hex digits) of every .js file under `dir` but the bundle, in path order. */
function buildHash(dir) {
  const hash = createHash('sha256');
  const files = fs.readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.js')).sort();
  for (const f of files) hash.update(`${f}\0`).update(fs.readFileSync(path.join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}

// Prime the code cache with the functions a typical command compiles (opening a pool, listing):
// bin/tszfs.js writes dist/tszfs.cjs.VERSION-ARCH.cache when it finds none for the Node running
// it, once the command has run. So the pool is made first, then the caches removed, and the
// listing that follows writes this Node's.
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-build-'));
const tszfs = (...args) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/tszfs.js'), ...args], {
    env: { ...process.env, TSZFS_HOME: home, TSZFS_LOG: '' },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`warm-up \`tszfs ${args.join(' ')}\` failed (${r.status}): ${r.stderr}`);
};
try {
  tszfs('pool', 'create', '--size', '64M', 'warm');
  tszfs('snapshot', 'warm@s');
  for (const f of fs.readdirSync(path.dirname(OUT))) if (f.startsWith(`${path.basename(OUT)}.`) && f.endsWith('.cache')) fs.rmSync(path.join(path.dirname(OUT), f));
  tszfs('list', '-t', 'all');
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
