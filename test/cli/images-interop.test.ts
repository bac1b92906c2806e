/**
 * Interop with real image tools (issue 14 item 4, load side): images built by umoci from trees
 * generated here (every object type, several layers with deletions, an opaque directory, hard links
 * within a layer and to a lower layer), copied to a docker-save archive by skopeo, loaded into
 * tszfs; `umoci unpack --rootless` of the image and `tszfs tar -c` of its top layer list the same
 * tree.
 *
 * What a rootless unpack cannot show, and where it is checked instead:
 * - owners: every file of a rootless unpack belongs to whoever unpacked it (umoci keeps the owner it
 *   could not give in its own metadata, the `user.rootlesscontainers` xattr, only for owners other
 *   than the unpacking user): owners are compared with the image's layer tars, replayed;
 * - device nodes: a rootless unpack makes an empty file in their place (umoci says so): their type
 *   and numbers are compared with the layer tars the same way;
 * - an xattr with an empty value: umoci leaves it out; tszfs keeps it (checked on its own).
 * Everything else (names, types, modes, sizes, content hashes, symlink targets, hard-link groups,
 * xattrs, mtimes of files and directories) is compared with the unpacked tree, listed by GNU tar
 * with --xattrs.
 *
 * umoci and skopeo: Debian packages `umoci` and `skopeo` (.ci/run installs them where missing);
 * without them the tests are skipped, except under CI, where they must run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox, seededBytes } from './harness.js';
import { list, pack, type Listed, type PackEntry } from './tar-support.js';

const have = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const tools = have('umoci') && have('skopeo');

const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

const sh = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
const date = (s: number) => new Date(s * 1000);

/** Layer 1: a tree with every object type a rootless user can make, odd modes and times. */
function layer1(root: string): void {
  const at = (p: string) => path.join(root, p);
  for (const d of ['etc', 'bin', 'data', 'srv/private/deep', 'tmp', 'shared/sub', 'run']) fs.mkdirSync(at(d), { recursive: true });
  fs.writeFileSync(at('etc/empty'), '');
  fs.writeFileSync(at('etc/conf'), 'key=value\n');
  fs.chmodSync(at('etc/conf'), 0o640);
  fs.writeFileSync(at('bin/tool'), '#!/bin/sh\necho tool\n');
  fs.chmodSync(at('bin/tool'), 0o4755);
  fs.writeFileSync(at('data/big.bin'), seededBytes(300_000, 3));
  fs.linkSync(at('data/big.bin'), at('data/big-hl'));
  fs.linkSync(at('etc/conf'), at('srv/conf-link'));
  fs.writeFileSync(at('data/name with spaces & ünïcode'), 'odd name\n');
  fs.writeFileSync(at('data/old'), 'old\n');
  fs.utimesSync(at('data/old'), date(631152000), date(631152000));
  fs.writeFileSync(at('srv/private/deep/secret'), 'secret\n');
  fs.chmodSync(at('srv/private'), 0o700);
  fs.chmodSync(at('tmp'), 0o1777);
  fs.chmodSync(at('shared'), 0o2775);
  fs.writeFileSync(at('shared/a'), 'a\n');
  fs.writeFileSync(at('shared/sub/b'), 'b\n');
  fs.writeFileSync(at('bin/noexec'), '');
  fs.chmodSync(at('bin/noexec'), 0o000);
  fs.symlinkSync('tool', at('bin/rel'));
  fs.symlinkSync('/etc/conf', at('abs'));
  fs.symlinkSync('nowhere/at/all', at('dangling'));
  sh('mkfifo', ['-m', '0620', at('run/pipe')]);
}

/** Layer 2: deletions (a file, a subtree, one name of a hard link), a change through a hard link, a
 *  symlink replaced by a directory, a mode change. */
function layer2(root: string): void {
  const at = (p: string) => path.join(root, p);
  fs.rmSync(at('etc/empty'));
  fs.rmSync(at('srv/private'), { recursive: true });
  fs.rmSync(at('srv/conf-link'));
  const fd = fs.openSync(at('data/big-hl'), 'r+');
  fs.writeSync(fd, Buffer.from('changed through the other name'), 0, undefined, 140_000);
  fs.closeSync(fd);
  fs.chmodSync(at('etc/conf'), 0o600);
  fs.rmSync(at('dangling'));
  fs.mkdirSync(at('dangling/now-a-dir'), { recursive: true });
  fs.writeFileSync(at('data/new'), seededBytes(5000, 4));
}

/** Layer 3, written as a tar and added with `umoci raw add-layer`: what a rootless tree cannot hold
 *  (owners, devices, xattrs) and what umoci repack does not write (an opaque directory, a hard link
 *  to a lower layer's file, an explicit whiteout). */
function layer3(): PackEntry[] {
  const h = (name: string, type: PackEntry['header']['type'], more: Partial<PackEntry['header']> = {}): PackEntry['header'] => ({ name, type, mode: 0o644, uid: 0, gid: 0, mtime: date(1700000000), ...more });
  return [
    { header: h('shared/', 'directory', { mode: 0o2775 }) },
    { header: h('shared/.wh..wh..opq', 'file'), body: Buffer.alloc(0) },
    { header: h('shared/c', 'file'), body: Buffer.from('c\n') },
    { header: h('links/', 'directory', { mode: 0o755 }) },
    { header: h('links/to-big', 'link', { linkname: 'data/big.bin' }) },
    { header: h('.wh.abs', 'file'), body: Buffer.alloc(0) },
    { header: h('home/', 'directory', { mode: 0o755 }) },
    { header: h('home/user/', 'directory', { mode: 0o750, uid: 1000, gid: 1000, pax: { 'SCHILY.xattr.user.dir': 'on a directory' } }) },
    { header: h('home/user/file', 'file', { mode: 0o600, uid: 1000, gid: 1000 }), body: Buffer.from('mine\n') },
    { header: h('home/user/gone', 'file', { uid: 1000, gid: 1000 }), body: Buffer.from('gone\n') },
    { header: h('home/nobody/', 'directory', { mode: 0o700, uid: 65534, gid: 65534 }) },
    { header: h('etc/xattr-file', 'file', { pax: { 'SCHILY.xattr.user.note': 'hello', 'SCHILY.xattr.user.empty': '' } }), body: Buffer.from('with xattrs\n') },
    { header: h('dev/', 'directory', { mode: 0o755 }) },
    { header: h('dev/null', 'character-device', { mode: 0o666, devmajor: 1, devminor: 3 }) },
    { header: h('dev/loop0', 'block-device', { mode: 0o660, uid: 0, gid: 6, devmajor: 7, devminor: 0 }) },
  ];
}

/** Layer 4 (umoci repack over the rootless unpack of layers 1-3): a deletion in the opaque
 *  directory, one of a lower owner's files, a new file. */
function layer4(root: string): void {
  fs.rmSync(path.join(root, 'shared/c'));
  fs.rmSync(path.join(root, 'home/user/gone'));
  fs.writeFileSync(path.join(root, 'etc/motd'), 'welcome\n');
}

interface Built {
  layout: string;
  work: string;
}

/** The image, built by umoci in `work` (OCI layout `work/img`, tag `t`). */
async function build(work: string): Promise<Built> {
  const layout = path.join(work, 'img');
  const umoci = (...args: string[]) => sh('umoci', args, work);
  umoci('init', '--layout', layout);
  umoci('new', '--image', `${layout}:t`);
  const bundle = (n: number) => path.join(work, `bundle${n}`);
  umoci('unpack', '--rootless', '--image', `${layout}:t`, bundle(1));
  layer1(path.join(bundle(1), 'rootfs'));
  umoci('repack', '--refresh-bundle', '--image', `${layout}:t`, bundle(1));
  layer2(path.join(bundle(1), 'rootfs'));
  umoci('repack', '--image', `${layout}:t`, bundle(1));
  const raw = path.join(work, 'layer3.tar');
  fs.writeFileSync(raw, await pack(layer3()));
  umoci('raw', 'add-layer', '--image', `${layout}:t`, raw);
  umoci('unpack', '--rootless', '--image', `${layout}:t`, bundle(2));
  layer4(path.join(bundle(2), 'rootfs'));
  umoci('repack', '--image', `${layout}:t`, bundle(2));
  return { layout, work };
}

/** The layer tars of the image's manifest, uncompressed, in order. */
function layerTars(layout: string): Buffer[] {
  const blob = (digest: string) => fs.readFileSync(path.join(layout, 'blobs', ...digest.split(':')));
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
  const m = index.manifests.find((d) => d.annotations?.['org.opencontainers.image.ref.name'] === 't')!;
  const manifest = JSON.parse(blob(m.digest).toString()) as { layers: Array<{ digest: string }> };
  return manifest.layers.map((l) => {
    const b = blob(l.digest);
    return b[0] === 0x1f ? gunzipSync(b) : b;
  });
}

/** Owners and device numbers of the final tree, replayed from the layer tars with the layer rules. */
async function ownersFromTars(tars: Buffer[]): Promise<Map<string, { uid: number; gid: number; type: string; dev?: string }>> {
  const tree = new Map<string, { uid: number; gid: number; type: string; dev?: string }>();
  const below = (dir: string) => [...tree.keys()].filter((k) => k.startsWith(`${dir}/`));
  for (const tar of tars) {
    const entries = await list(tar);
    const own = new Set<string>();
    for (const e of entries) {
      const base = path.posix.basename(e.name);
      const dir = path.posix.dirname(e.name);
      if (base === '.wh..wh..opq') {
        for (const k of below(dir)) if (!own.has(k)) tree.delete(k);
      } else if (base.startsWith('.wh.')) {
        const gone = path.posix.join(dir, base.slice(4));
        tree.delete(gone);
        for (const k of below(gone)) tree.delete(k);
      }
    }
    for (const e of entries) {
      const base = path.posix.basename(e.name);
      if (base.startsWith('.wh.') || e.name === '.') continue;
      own.add(e.name);
      if (e.type !== 'directory') for (const k of below(e.name)) tree.delete(k);
      // A hard link is its target's object.
      const obj = e.type === 'link' ? tree.get(e.linkname!)! : { uid: e.uid, gid: e.gid, type: e.type, ...(e.dev ? { dev: e.dev } : {}) };
      tree.set(e.name, obj);
    }
  }
  return tree;
}

interface Entry {
  name: string;
  type: string;
  mode: string;
  mtime?: string;
  sha?: string;
  linkname?: string;
  xattrs: Record<string, string>;
}

/** A listing made comparable: hard links resolved to their object (type, mode, content), their
 *  groups of names returned apart; the root's entry left out. */
function normal(listed: Listed[], dropXattr: (k: string) => boolean = () => false): { entries: Entry[]; links: string[][] } {
  const byName = new Map(listed.map((e) => [e.name, e]));
  const groups = new Map<string, string[]>();
  const entries = listed
    .filter((e) => e.name !== '.')
    .map((e) => {
      const obj = e.type === 'link' ? byName.get(e.linkname!)! : e;
      if (e.type === 'link') groups.set(e.linkname!, [...(groups.get(e.linkname!) ?? [e.linkname!]), e.name]);
      const xattrs = Object.fromEntries(Object.entries(obj.xattrs).filter(([k]) => !dropXattr(k)));
      return {
        name: e.name,
        type: obj.type,
        mode: obj.mode,
        mtime: obj.mtime,
        ...(obj.sha ? { sha: obj.sha } : {}),
        ...(obj.type === 'symlink' ? { linkname: obj.linkname } : {}),
        xattrs,
      };
    });
  return { entries, links: [...groups.values()].map((g) => g.sort()).sort() };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(!tools && !process.env.CI)('images built by umoci and skopeo', () => {
  it('umoci unpack --rootless and tszfs tar -c of the loaded image list the same tree; skopeo\'s docker-archive copy loads the same', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    s.ok(['pool', 'create', '--size', '256M', 'tank']);
    s.ok(['pool', 'create', '--size', '256M', 'other']);
    const work = path.join(s.home, 'work');
    fs.mkdirSync(work);
    const { layout } = await build(work);
    if (process.env.KEEP_WORK) sh('cp', ['-a', work, process.env.KEEP_WORK]);
    const tars = layerTars(layout);
    expect(tars.length).toBe(4);

    // umoci's side: the rootless unpack, listed by GNU tar with its xattrs.
    const unpacked = path.join(work, 'unpacked');
    sh('umoci', ['unpack', '--rootless', '--image', `${layout}:t`, unpacked], work);
    const rootfs = path.join(unpacked, 'rootfs');
    const umociList = await list(sh('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-cf', '-', '-C', rootfs, '.']));

    // tszfs's side: the OCI layout directory loaded, its top layer written out by tar -c.
    const loaded = s.ok(['image', 'load', '--pool', 'tank', '-i', layout, 'built:t']);
    expect(loaded).toMatch(/Loaded image: built:t\n$/);
    const top = s.ok(['image', 'ls', '--pool', 'tank']).split('\n')[1].trim().split(/\s+/).at(-1)!;
    const tszfsList = await list(s.bytesOf(['tar', '-c', top]));

    // Devices: an empty file in the rootless unpack, a device in tszfs; set apart and checked below.
    const devices = ['dev/null', 'dev/loop0'];
    const a = normal(umociList.filter((e) => !devices.includes(e.name)), (k) => k === 'user.rootlesscontainers');
    // umoci leaves out an xattr whose value is empty (Linux allows them; tszfs keeps it, as GNU tar does).
    const b = normal(tszfsList.filter((e) => !devices.includes(e.name)), (k) => k === 'user.empty');
    expect(tszfsList.find((e) => e.name === 'etc/xattr-file')!.xattrs).toEqual({ 'user.empty': '', 'user.note': Buffer.from('hello').toString('hex') });
    expect(b.entries).toEqual(a.entries);
    expect(b.links).toEqual(a.links);
    for (const d of devices) expect(umociList.find((e) => e.name === d)?.type).toBe('file');

    // Owners and devices against the layer tars.
    const want = await ownersFromTars(tars);
    const got = new Map(tszfsList.filter((e) => e.name !== '.').map((e) => [e.name, e]));
    expect([...got.keys()].filter((k) => !want.has(k) && got.get(k)!.type !== 'directory')).toEqual([]);
    for (const [name, w] of want) {
      const g = got.get(name);
      expect(g, name).toBeDefined();
      expect({ name, uid: g!.uid, gid: g!.gid }).toEqual({ name, uid: w.uid, gid: w.gid });
      if (w.dev) expect({ name, type: g!.type, dev: g!.dev }).toEqual({ name, type: w.type, dev: w.dev });
    }

    // The tree holds what the layers were meant to leave.
    const names = new Set(tszfsList.map((e) => e.name));
    for (const gone of ['etc/empty', 'srv/private', 'srv/conf-link', 'abs', 'shared/a', 'shared/sub', 'shared/c', 'home/user/gone']) expect(names.has(gone), gone).toBe(false);
    for (const kept of ['shared', 'dangling/now-a-dir', 'links/to-big', 'data/big-hl', 'home/nobody', 'run/pipe', 'etc/motd']) expect(names.has(kept), kept).toBe(true);
    expect(b.links).toEqual([['data/big-hl', 'data/big.bin', 'links/to-big']]);
    const big = fs.readFileSync(path.join(rootfs, 'data/big.bin'));
    expect(sha(s.bytesOf(['cat', top, '/links/to-big']))).toBe(sha(big));
    expect(got.get('bin/tool')!.mode).toBe('4755');
    expect(got.get('tmp')!.mode).toBe('1777');
    expect(got.get('run/pipe')!.type).toBe('fifo');
    expect(got.get('home/user')!.xattrs).toEqual({ 'user.dir': Buffer.from('on a directory').toString('hex') });
    expect(got.get('home/user/file')!.uid).toBe(1000);
    expect(got.get('dev/loop0')).toMatchObject({ type: 'block-device', dev: '7,0', gid: 6 });

    // skopeo's docker-archive copy of the same image, loaded into a second pool: the same tree.
    const archive = path.join(work, 'docker.tar');
    sh('skopeo', ['--insecure-policy', 'copy', '--quiet', `oci:${layout}:t`, `docker-archive:${archive}:built:t`], work);
    // skopeo writes the reference in full (docker.io/library/...), as docker save does.
    expect(s.ok(['image', 'load', '--pool', 'other', '-i', archive])).toMatch(/Loaded image: docker\.io\/library\/built:t\n$/);
    const otherTop = s.ok(['image', 'ls', '--pool', 'other']).split('\n')[1].trim().split(/\s+/).at(-1)!;
    expect(otherTop.replace(/^other\//, '')).toBe(top.replace(/^tank\//, ''));
    expect(await list(s.bytesOf(['tar', '-c', otherTop]))).toEqual(tszfsList);
  });
});
