/**
 * Issue 14's "done when": a multi-layer image built from a real tree of this machine (parts of
 * /usr/lib and /usr/share: thousands of files, about 60 MB), loaded; a container
 * that modifies, deletes and adds files; commit; save; load of the saved image into a second pool;
 * and there the same tree as in the container, and the same image id.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from './harness.js';
import { asTar, dir, file, ociImage, opaque, whiteout } from './images-support.js';
import { list, type PackEntry } from './tar-support.js';

/** Host trees a layer is made of: the first that exist, up to BUDGET bytes in all. */
const CANDIDATES = [
  ['/usr/lib/python3.11', '/usr/lib/python3', '/usr/lib/python3.12', '/usr/lib/python3.13'],
  ['/usr/share/vim', '/usr/share/locale', '/usr/share/man'],
  ['/usr/share/perl', '/usr/share/perl5', '/usr/share/doc', '/usr/share/i18n'],
];
const BUDGET = 64 << 20;
const date = new Date(1700000000 * 1000);

/** The regular files, directories and symlinks under `root` as layer entries (names without `/`). */
function hostEntries(root: string, budget: { left: number }): PackEntry[] {
  const out: PackEntry[] = [];
  const walk = (at: string) => {
    let names: string[];
    try {
      names = fs.readdirSync(at).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const full = path.join(at, name);
      const rel = full.slice(1);
      const st = fs.lstatSync(full);
      const base = { mode: st.mode & 0o7777, uid: 0, gid: 0, mtime: st.mtime };
      if (st.isDirectory()) {
        out.push({ header: { name: `${rel}/`, type: 'directory', ...base } });
        walk(full);
      } else if (st.isSymbolicLink()) {
        out.push({ header: { name: rel, type: 'symlink', linkname: fs.readlinkSync(full), ...base } });
      } else if (st.isFile() && st.size <= budget.left) {
        let body: Buffer;
        try {
          body = fs.readFileSync(full);
        } catch {
          continue;
        }
        budget.left -= body.length;
        out.push({ header: { name: rel, type: 'file', ...base }, body });
      }
    }
  };
  walk(root);
  return out;
}

const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

describe('round trip of a real tree', () => {
  it('load, change in a container, commit, save, load into a second pool: the same tree and id', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    const budget = { left: BUDGET };
    const roots = CANDIDATES.map((c) => c.find((d) => fs.existsSync(d))).filter((d): d is string => d !== undefined);
    expect(roots.length).toBe(3);
    const [a, b, c] = roots.map((r) => hostEntries(r, budget));
    const files = (entries: PackEntry[]) => entries.filter((e) => e.header.type === 'file').map((e) => e.header.name);
    const dirs = (entries: PackEntry[]) => entries.filter((e) => e.header.type === 'directory').map((e) => e.header.name.replace(/\/$/, ''));
    // Layer 2 deletes and replaces some of layer 1 and hides one of its directories; layer 3 adds.
    const aFiles = files(a);
    const aDirs = dirs(a).filter((d) => d.split('/').length > 3);
    const changes: PackEntry[] = [
      ...aFiles.filter((_, i) => i % 97 === 0).map((n) => whiteout(n)),
      ...aFiles.filter((_, i) => i % 101 === 50).map((n) => file(n, `replaced ${n}\n`)),
      whiteout(aDirs[1]),
      opaque(aDirs[aDirs.length - 1]),
      file(`${aDirs[aDirs.length - 1]}/only-this`, 'kept\n'),
      dir('etc/'),
      file('etc/os-release', 'ID=tszfs\n'),
    ];
    const img = await ociImage({ layers: [a, [...b, ...changes], c], ref: 'real:1' });
    const archive = s.file('real.tar', await asTar(img));
    const total = a.length + b.length + c.length;
    expect(total).toBeGreaterThan(2000);
    expect(fs.statSync(archive).size).toBeGreaterThan(50 << 20);

    s.ok(['pool', 'create', '--size', '1G', 'tank']);
    s.ok(['pool', 'create', '--size', '1G', 'other']);
    s.ok(['image', 'load', '--pool', 'tank', '-i', archive]);
    s.ok(['container', 'create', '--pool', 'tank', 'real:1', 'web']);
    const cFiles = files(c);
    s.ok(['write', 'tank/web', `/${cFiles[3]}`], 'modified in the container\n');
    s.ok(['write', '--offset', '10', 'tank/web', `/${cFiles[cFiles.length - 1]}`], 'patched');
    s.ok(['rm', 'tank/web', `/${cFiles[5]}`]);
    s.ok(['rm', '-r', 'tank/web', `/${dirs(c).filter((d) => d.split('/').length > 3)[0]}`]);
    s.ok(['write', '-p', 'tank/web', '/srv/app/new.txt'], 'added\n');
    s.ok(['mkdir', '-p', 'tank/web', '/srv/app/empty']);
    const id = s.ok(['container', 'commit', '--pool', 'tank', 'web', 'real:2']).trim();
    const saved = path.join(s.home, 'saved.tar');
    s.ok(['image', 'save', '--pool', 'tank', '-o', saved, 'real:2']);
    expect(s.ok(['image', 'load', '--pool', 'other', '-i', saved])).toMatch(/Loaded image: real:2\n$/);

    const inspected = JSON.parse(s.ok(['image', 'inspect', '--pool', 'other', 'real:2']))[0] as { Id: string; GraphDriver: { Data: { Dataset: string } } };
    expect(inspected.Id).toBe(id);
    const there = await list(s.bytesOf(['tar', '-c', inspected.GraphDriver.Data.Dataset]));
    const here = await list(s.bytesOf(['tar', '-c', 'tank/web']));
    // The container's tree, minus what its init layer adds (a commit takes the writable layer only).
    const init = new Set(['.dockerenv', 'dev', 'dev/console', 'dev/pts', 'dev/shm', 'proc', 'sys', 'etc/hostname', 'etc/hosts', 'etc/resolv.conf', 'etc/mtab']);
    const withoutInit = here.filter((e) => !init.has(e.name));
    const shape = (l: typeof here) => l.filter((e) => e.name !== '.' && e.name !== 'etc').map(({ name, type, mode, uid, gid, mtime, sha, linkname, xattrs }) => ({ name, type, mode, uid, gid, mtime, sha, linkname, xattrs }));
    expect(shape(there)).toEqual(shape(withoutInit));
    expect(there.length).toBeGreaterThan(2000);
    expect(there.find((e) => e.name === 'srv/app/new.txt')).toBeDefined();
    expect(there.find((e) => e.name === cFiles[5])).toBeUndefined();
    // Saved again from the second pool: the same bytes.
    expect(s.bytesOf(['image', 'save', '--pool', 'other', 'real:2']).equals(fs.readFileSync(saved))).toBe(true);
  }, 60_000);
});
