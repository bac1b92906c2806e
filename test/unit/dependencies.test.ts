/**
 * Every declared dependency earns its place (issue 17, item 8): each one in package.json's
 * `dependencies` is imported or required somewhere in src/ (the package's code), and each
 * devDependency somewhere in the tooling or tests. A dependency nothing uses is removed, not kept.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/** Declared for work on another branch that uses it; the entry goes once that work lands. */
const PENDING: Record<string, string> = {
  'tar-stream': 'issue 13: tszfs tar -x/-c (src/lib/archive/)',
  '@types/tar-stream': 'issue 13: the types of tar-stream',
};

function sources(dirs: string[], exts = /\.(ts|js|mjs|cjs)$/): string {
  const texts: string[] = [];
  for (const dir of dirs) {
    const full = path.join(ROOT, dir);
    if (!fs.existsSync(full)) continue;
    if (fs.statSync(full).isFile()) {
      texts.push(fs.readFileSync(full, 'utf8'));
      continue;
    }
    for (const f of fs.readdirSync(full, { recursive: true }) as string[]) {
      if (exts.test(f) && !f.includes('node_modules')) texts.push(fs.readFileSync(path.join(full, f), 'utf8'));
    }
  }
  return texts.join('\n');
}

/** `from 'name'`, `import('name')`, `require('name')`, `requireNative('name')`, or a subpath. */
const uses = (text: string, name: string) => new RegExp(`(from |import\\(|require(Native)?\\()'${name.replace('/', '\\/')}(/[^']*)?'`).test(text);

describe('declared dependencies', () => {
  it('each runtime dependency is used by src/', () => {
    const text = sources(['src', 'bin']);
    for (const name of Object.keys(pkg.dependencies)) {
      if (name in PENDING) continue;
      expect(uses(text, name), `${name} is declared but nothing in src/ uses it`).toBe(true);
    }
  });

  it('each devDependency is used by the tooling, tests or bench', () => {
    const text = sources(['src', 'test', 'scripts', 'bench', 'eslint.config.js', 'vitest.config.ts']);
    const config = fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8') + fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
    for (const name of Object.keys(pkg.devDependencies)) {
      if (name in PENDING) continue;
      // @types/x types the package x; tools run from npm scripts (tsc, eslint, vitest)
      const typed = name.startsWith('@types/') ? name.slice('@types/'.length) : null;
      const used = uses(text, name) || (typed !== null && (typed === 'node' || uses(text, typed))) || new RegExp(`"[^"]*\\b${name === 'typescript' ? 'tsc' : name}\\b[^"]*"`).test(config);
      expect(used, `${name} is declared but nothing uses it`).toBe(true);
    }
  });

  it("cli-table3 draws tszfs's own tables: tree, blocks and the bench reports (issue 17 item 8)", () => {
    const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');
    expect(uses(read('src/cli/format/table.ts'), 'cli-table3')).toBe(true);
    for (const command of ['src/cli/commands/tree.ts', 'src/cli/commands/blocks.ts']) expect(read(command), command).toMatch(/import \{ drawTable\b[^}]*\} from '\.\.\/format\/table\.js'/);
    expect(uses(read('bench/lib.js'), 'cli-table3')).toBe(true);
    // and nothing else imports it: one place decides how tszfs's tables look
    const text = sources(['src', 'bin']).replace(read('src/cli/format/table.ts'), '');
    expect(uses(text, 'cli-table3')).toBe(false);
  });

  it('what waits for another branch is still unused here (drop its PENDING entry once used)', () => {
    const text = sources(['src']);
    for (const name of Object.keys(PENDING)) {
      if (name in pkg.dependencies || name in pkg.devDependencies) expect(uses(text, name.replace('@types/', '')), `${name}: ${PENDING[name]}`).toBe(false);
    }
  });
});
