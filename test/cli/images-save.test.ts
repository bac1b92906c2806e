/** tszfs image save / inspect / rm -f and system df: an image saved as an OCI layout or a docker
 *  save archive is the same bytes every time, keeps the layers' diff_ids (the loaded tars given
 *  back from their tar-splits), and a layer that cannot be given back is rebuilt from its changes
 *  into a layer that makes the same tree. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectGolden, Sandbox, transcript } from './harness.js';
import { THREE } from './images-fixture.js';
import { asTar, chainHexes, dir, dockerSave, file, link, ociImage, symlink, whiteout } from './images-support.js';
import { list } from './tar-support.js';

const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));
const sandbox = (...pools: string[]) => {
  const s = new Sandbox();
  sandboxes.push(s);
  for (const p of pools.length ? pools : ['tank']) s.ok(['pool', 'create', '--size', '256M', p]);
  return s;
};

/** The files of a tar (name -> bytes), and the headers' fields that make it deterministic. */
async function members(archive: Buffer) {
  const entries = await list(archive);
  return entries.map((e) => `${e.type} ${e.mode} ${e.uid}:${e.gid} ${e.mtime} ${e.name}`);
}

/** What every layer of an image holds, as `tar -c` lists it. */
async function trees(s: Sandbox, datasets: string[]) {
  const out = [];
  for (const ds of datasets) out.push(await list(s.bytesOf(['tar', '-c', ds])));
  return out;
}

describe('image save', () => {
  it('an OCI layout: the same bytes every time, the loaded layers and config given back', async () => {
    const s = sandbox();
    const img = await ociImage(THREE);
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(img))]);
    const one = s.bytesOf(['image', 'save', 'demo:1.0']);
    const two = s.bytesOf(['image', 'save', '-o', path.join(s.home, 'saved.tar'), 'demo:1.0']);
    expect(two.length).toBe(0);
    expect(fs.readFileSync(path.join(s.home, 'saved.tar')).equals(one)).toBe(true);
    expect(one.length % 10240).toBe(0);
    // The config is the loaded one (same image id), the layers the loaded tars (same diff_ids).
    const files = new Map((await list(one)).map((e) => [e.name, e]));
    expect(files.has(`blobs/sha256/${img.configDigest.slice(7)}`)).toBe(true);
    for (const d of img.diffIds) expect(files.has(`blobs/sha256/${d.slice(7)}`), d).toBe(true);
    expectGolden('images-save-oci', (await members(one)).join('\n') + '\n');
    // Loaded again: every layer is there already.
    expect(s.ok(['image', 'load', '-i', path.join(s.home, 'saved.tar'), 'again:1'])).toBe(
      chainHexes(img.diffIds).map((h) => `tank/${h}: Already exists\n`).join('') + 'Loaded image: again:1\n',
    );
  });

  it('a docker save archive and a directory; by id, no names', async () => {
    const s = sandbox();
    const src = await dockerSave({ ...THREE, gzip: false, ref: 'library/demo:1.0' });
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(src))]);
    const saved = s.bytesOf(['image', 'save', '--format', 'docker', 'library/demo:1.0']);
    expect(s.bytesOf(['image', 'save', '--format', 'docker', 'library/demo:1.0']).equals(saved)).toBe(true);
    const entries = await list(saved);
    expect(entries.map((e) => e.name)).toEqual([
      ...src.diffIds.flatMap((d) => [d.slice(7), `${d.slice(7)}/VERSION`, `${d.slice(7)}/layer.tar`]),
      `${src.configDigest.slice(7)}.json`,
      'manifest.json',
      'repositories',
    ].sort());
    const dir = path.join(s.home, 'layout') + '/';
    s.ok(['image', 'save', '-o', dir, src.configDigest.slice(7, 19)]);
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: unknown }> };
    expect(index.manifests.map((m) => m.annotations)).toEqual([undefined]);
    const t = sandbox();
    expect(t.ok(['image', 'load', '-i', dir, 'copy'])).toMatch(/Loaded image: copy:latest\n$/);
    expect(t.ok(['image', 'inspect', 'copy']).includes(src.configDigest)).toBe(true);
  });

  it('a layer whose tar-split is gone, or whose files changed, is rebuilt from its changes into the same tree', async () => {
    const s = sandbox('tank', 'other');
    const img = await ociImage(THREE);
    s.ok(['image', 'load', '--pool', 'tank', '-i', s.file('demo.tar', await asTar(img))]);
    const layers = chainHexes(img.diffIds).map((h) => `tank/${h}`);
    for (const l of layers) s.ok(['inherit', 'tszfs.image:tarsplit', l]);
    const rebuilt = s.bytesOf(['image', 'save', '--pool', 'tank', 'demo:1.0']);
    expect(s.bytesOf(['image', 'save', '--pool', 'tank', 'demo:1.0']).equals(rebuilt)).toBe(true);
    const out = s.ok(['image', 'load', '--pool', 'other', '-i', s.file('rebuilt.tar', rebuilt), 'rebuilt']);
    const copies = out.split('\n').filter((l) => l.endsWith(': Loaded')).map((l) => l.slice(0, -': Loaded'.length));
    expect(copies.length).toBe(3);
    // Every layer of the copy holds the tree of the layer it was rebuilt from.
    expect(await trees(s, copies)).toEqual(await trees(s, layers));
    // A file of the base layer changed after load: that layer is rebuilt, the others given back.
    s.ok(['image', 'load', '--pool', 'other', '-i', s.file('demo.tar', await asTar(img))]);
    const base = `other/${chainHexes(img.diffIds)[0]}`;
    s.ok(['write', base, '/etc/passwd'], 'changed\n');
    const saved = s.bytesOf(['image', 'save', '--pool', 'other', 'demo:1.0']);
    const names = (await list(saved)).map((e) => e.name);
    expect(names).not.toContain(`blobs/sha256/${img.diffIds[0].slice(7)}`);
    expect(names).toContain(`blobs/sha256/${img.diffIds[1].slice(7)}`);
    expect(names).toContain(`blobs/sha256/${img.diffIds[2].slice(7)}`);
  });

  it('layer tars tszfs could not have written are given back byte for byte', async () => {
    const s = sandbox();
    const long = `deep/${'d'.repeat(90)}/${'n'.repeat(120)}.txt`;
    const img = await ociImage({
      gzip: true,
      layers: [
        [
          { header: { name: './', type: 'directory', mode: 0o755, uid: 0, gid: 0, mtime: new Date(0) } },
          file('twice', 'first\n'),
          file('twice', 'second, longer\n'),
          file(long, 'a long name\n'),
          { header: { name: 'owned', type: 'file', mode: 0o600, uid: 3000000, gid: 12, mtime: new Date(5e12), uname: 'someone', gname: 'staff' }, body: Buffer.from('owned\n') },
          file('gone-later', 'x\n'),
          file('a/b/c', 'implied parents\n'),
          link('hard', 'a/b/c'),
          symlink('sym', '/a/b/c'),
          file('empty', ''),
        ],
        [whiteout('gone-later'), file('added', 'y\n'), dir('a/'), file('a/again', 'z\n'), whiteout('a/again'), file('a/again', 'back\n')],
      ],
    });
    s.ok(['image', 'load', '-i', s.file('odd.tar', await asTar(img)), 'odd']);
    const saved = await list(s.bytesOf(['image', 'save', 'odd']));
    const names = saved.map((e) => e.name);
    for (const d of [img.configDigest, ...img.diffIds]) expect(names, d).toContain(`blobs/sha256/${d.slice(7)}`);
  });

  it('a large file given twice in one layer tar: no tar-split kept, the layer rebuilt into the same tree', async () => {
    const s = sandbox('tank', 'other');
    const big = Buffer.alloc(100_000, 1);
    const img = await ociImage({ layers: [[file('big', big), file('big', Buffer.alloc(100_000, 2)), file('small', 'x\n')]] });
    s.ok(['image', 'load', '--pool', 'tank', '-i', s.file('twice.tar', await asTar(img)), 'twice']);
    const layer = `tank/${chainHexes(img.diffIds)[0]}`;
    expect(s.ok(['get', '-H', '-o', 'value', 'tszfs.image:tarsplit', layer])).toBe('-\n');
    const saved = s.bytesOf(['image', 'save', '--pool', 'tank', 'twice']);
    expect((await list(saved)).map((e) => e.name)).not.toContain(`blobs/sha256/${img.diffIds[0].slice(7)}`);
    const out = s.ok(['image', 'load', '--pool', 'other', '-i', s.file('saved.tar', saved)]);
    const copy = out.split('\n')[0].replace(/: Loaded$/, '');
    expect(await trees(s, [copy])).toEqual(await trees(s, [layer]));
  });

  it('commit of a directory removed and made again: an opaque directory, not a whiteout per old entry', async () => {
    const s = sandbox();
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(await ociImage(THREE)))]);
    s.ok(['container', 'create', 'demo:1.0', 'web']);
    s.ok(['rm', '-r', 'tank/web', '/usr/share/doc']);
    s.ok(['mkdir', 'tank/web', '/usr/share/doc']);
    s.ok(['write', 'tank/web', '/usr/share/doc/new'], 'new\n');
    s.ok(['container', 'commit', 'web', 'demo:2']);
    const saved = await list(s.bytesOf(['image', 'save', '--format', 'docker', 'demo:2']));
    const manifest = JSON.parse(s.ok(['image', 'inspect', 'demo:2']))[0] as { RootFS: { Layers: string[] } };
    const top = manifest.RootFS.Layers.at(-1)!.slice(7);
    expect(saved.some((e) => e.name === `${top}/layer.tar`)).toBe(true);
    const dir = path.join(s.home, 'out') + '/';
    s.ok(['image', 'save', '--format', 'docker', '-o', dir, 'demo:2']);
    const layer = await list(fs.readFileSync(path.join(dir, top, 'layer.tar')));
    expect(layer.map((e) => e.name)).toEqual(['usr', 'usr/share', 'usr/share/doc', 'usr/share/doc/.wh..wh..opq', 'usr/share/doc/new']);
    s.ok(['container', 'create', 'demo:2', 'again']);
    expect(s.ok(['find', 'tank/again', '/usr/share/doc'])).toBe('/usr/share/doc\n/usr/share/doc/new\n');
  });

  it('refusals: an unknown image, a bad format, an unwritable place (a terminal: progress.test.ts)', async () => {
    const s = sandbox();
    s.ok(['image', 'load', '-i', s.file('one.tar', await asTar(await ociImage({ layers: THREE.layers.slice(0, 1) }))), 'one']);
    const out = transcript(
      [
        ['image', 'save', 'nothere'],
        ['image', 'save', '--format', 'zip', 'one'],
        ['image', 'save'],
        ['image', 'save', '-o', '/nonexistent/dir/x.tar', 'one'],
      ],
      s,
      true,
    );
    expectGolden('images-save-refused', out);
  });
});

describe('image inspect, rm -f, system df', () => {
  it('inspect and df of two images sharing layers and a container', async () => {
    const s = sandbox();
    const two = await ociImage({ layers: THREE.layers.slice(0, 2) });
    const twoArchive = await asTar(two);
    s.ok(['image', 'load', '-i', s.file('two.tar', twoArchive), 'two']);
    s.ok(['image', 'load', '-i', s.file('three.tar', await asTar(await ociImage(THREE))), 'three:1']);
    s.ok(['container', 'create', 'three:1', 'web']);
    s.ok(['write', 'tank/web', '/etc/motd'], 'x'.repeat(10000));
    const out = transcript(
      [
        ['image', 'inspect', 'two', 'nothere'],
        ['image', 'ls'],
        ['system', 'df'],
        ['system', 'df', '-v'],
        ['system', 'df', '-p'],
        ['image', 'rm', 'three:1'],
        ['image', 'rm', 'two', 'three:1'],
        ['image', 'load', '-i', s.file('two-again.tar', twoArchive), 'two:again'],
        ['image', 'load', '-i', s.file('two-again.tar', twoArchive), 'two:more'],
        ['image', 'rm', two.configDigest.slice(7, 19)],
        ['image', 'rm', '-f', 'three:1'],
        ['image', 'ls'],
        ['container', 'ls'],
        ['system', 'df'],
      ],
      s,
      true,
    );
    expectGolden('images-inspect-df', out);
  });
});
