/** tszfs image load / ls / rm and containers: real images built here (OCI layout and docker
 *  save, gzip), layer rules (whiteouts, opaque directories, hard links to lower layers, implied
 *  parents), verification before anything is made, and the space each layer is charged. */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { expectGolden, seededBytes, Sandbox, transcript } from './harness.js';
import { asDir, asTar, chainHexes, dir, dockerSave, file, link, ociImage, opaque, symlink, whiteout, type ImageSpec } from './images-support.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];
const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));
const sandbox = () => {
  const s = new Sandbox();
  sandboxes.push(s);
  s.ok(POOL);
  return s;
};

/** 300K of data: three 128K records. */
const LIB = seededBytes(300_000, 7);

const THREE_LAYERS: ImageSpec = {
  gzip: true,
  ref: 'demo:1.0',
  layers: [
    [
      dir('etc/'),
      file('etc/passwd', 'root:x:0:0::/root:/bin/sh\n'),
      dir('usr/'),
      dir('usr/lib/'),
      file('usr/lib/libbig.so', LIB, 0o755),
      symlink('usr/lib/libbig.so.1', 'libbig.so'),
      dir('usr/share/'),
      dir('usr/share/doc/'),
      file('usr/share/doc/a', 'a\n'),
      file('usr/share/doc/b', 'b\n'),
      dir('var/'),
      dir('var/cache/'),
      file('var/cache/pkg.bin', seededBytes(200_000, 9)),
    ],
    [
      // a whiteout of a lower directory, an opaque directory, a hard link to a lower file,
      // a file whose parent directories the layer does not list
      whiteout('var/cache'),
      opaque('usr/share/doc'),
      file('usr/share/doc/c', 'c\n'),
      dir('usr/bin/'),
      link('usr/bin/big-link', 'usr/lib/libbig.so'),
      file('etc/passwd', 'root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n'),
      file('opt/app/bin/run', '#!/bin/sh\necho run\n', 0o755),
    ],
    [file('etc/motd', 'hello\n'), whiteout('usr/lib/libbig.so.1')],
  ],
};

describe('image load', () => {
  it('an OCI layout archive: the layer chain as the ZFS driver makes it, with the layer rules', async () => {
    const s = sandbox();
    const img = await ociImage(THREE_LAYERS);
    const archive = s.file('demo.tar', await asTar(img));
    const [base, , top] = chainHexes(img.diffIds);
    const out = transcript(
      [
        ['image', 'load', '-i', archive],
        ['list', '-t', 'all', '-o', 'name,used,refer,origin,mountpoint,defer_destroy'],
        ['image', 'ls'],
        ['find', 'tank/' + top],
        ['cat', `tank/${top}`, '/etc/passwd'],
        ['find', 'tank/' + base],
        ['stat', '-c', '%h %i %n', `tank/${top}`, '/usr/bin/big-link', '/usr/lib/libbig.so'],
        ['image', 'load', '-i', archive],
      ],
      s,
      true,
    );
    expectGolden('images-load-oci', out);
  });

  it('a docker save archive from stdin, and an OCI layout directory: same layers, shared', async () => {
    const s = sandbox();
    const spec = { ...THREE_LAYERS, gzip: false, ref: 'library/demo' };
    const saved = await asTar(await dockerSave(spec));
    const oci = asDir(await ociImage({ ...spec, ref: 'demo:dir' }), path.join(s.home, 'layout'));
    const out = transcript(
      [
        { args: ['image', 'load'], input: saved },
        ['image', 'load', '--pool', 'tank', '-i', oci, 'other/name:v2'],
        ['image', 'ls'],
        ['list', '-H', '-o', 'name', '-t', 'filesystem'],
      ],
      s,
      true,
    );
    expectGolden('images-load-docker-save', out);
  });

  it('an index with several platforms: --platform picks the manifest, linux/amd64 by default', async () => {
    const s = sandbox();
    const img = await ociImage({ layers: [[file('which', 'amd64\n')]], otherPlatforms: [{ os: 'linux', architecture: 'arm64', layers: [[file('which', 'arm64\n')]] }] });
    const archive = s.file('multi.tar', await asTar(img));
    s.ok(['image', 'load', '-i', archive, 'multi:amd64']);
    s.ok(['image', 'load', '-i', archive, '--platform', 'linux/arm64', 'multi:arm64']);
    const tops = s.ok(['image', 'ls']).split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/));
    expect(tops.map((t) => [t[1], s.ok(['cat', t[4], '/which'])])).toEqual([
      ['amd64', 'amd64\n'],
      ['arm64', 'arm64\n'],
    ]);
    const r = s.run(['image', 'load', '-i', archive, '--platform', 'linux/s390x']);
    expect([r.status, r.stderr]).toEqual([1, 'cannot load image: no manifest for platform linux/s390x\n']);
  });

  it('a damaged image is refused before anything is made: digest, diff_id, missing blob, malformed manifest', async () => {
    const s = sandbox();
    const good = await ociImage(THREE_LAYERS);
    const before = s.ok(['list', '-t', 'all']);
    const variants: Array<[string, (files: Map<string, Buffer>) => void]> = [
      ['a flipped byte in the last layer blob', (f) => {
        const [name, layer] = lastLayer(f);
        const bad = Buffer.from(layer);
        bad[bad.length - 20] ^= 1;
        f.set(name, bad);
      }],
      ['a missing layer blob', (f) => f.delete(lastLayer(f)[0])],
      ['a config whose diff_ids do not match', (f) => retarget(f, (config) => config.replace(/sha256:[0-9a-f]{64}"\]/, `sha256:${'0'.repeat(64)}"]`))],
      ['an index that is not JSON', (f) => f.set('index.json', Buffer.from('{"manifests": ['))],
    ];
    let out = '';
    for (const [what, damage] of variants) {
      const files = new Map(good.files);
      damage(files);
      const r = s.run(['image', 'load', '-i', s.file('bad.tar', await asTar({ ...good, files }))]);
      out += `${what}: exit ${r.status}\n${r.stderr}`;
    }
    expectGolden('images-load-damaged', out.split(s.home).join('$TSZFS_HOME'));
    expect(s.ok(['list', '-t', 'all'])).toBe(before);
  });

  it('image rm keeps the layers another image stands on', async () => {
    const s = sandbox();
    const two = await ociImage({ layers: THREE_LAYERS.layers.slice(0, 2) });
    const three = await ociImage(THREE_LAYERS);
    const out = transcript(
      [
        ['image', 'load', '-i', s.file('two.tar', await asTar(two)), 'two'],
        ['image', 'load', '-i', s.file('three.tar', await asTar(three)), 'three'],
        ['image', 'rm', 'two'],
        ['image', 'rm', 'three'],
        ['list', '-t', 'all', '-o', 'name'],
        ['image', 'ls'],
      ],
      s,
      true,
    );
    expectGolden('images-rm', out);
  });
});

/** The name and bytes of the layout's last layer blob (the last manifest's last layer). */
function lastLayer(files: Map<string, Buffer>): [string, Buffer] {
  const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(files.get(`blobs/sha256/${index.manifests.at(-1)!.digest.slice(7)}`)!.toString()) as { layers: Array<{ digest: string }> };
  const name = `blobs/sha256/${manifest.layers.at(-1)!.digest.slice(7)}`;
  return [name, files.get(name)!];
}

/** Rewrite the config, then the manifest and index that name it, so that only the diff_ids are wrong. */
function retarget(files: Map<string, Buffer>, edit: (config: string) => string): void {
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  const index = JSON.parse(files.get('index.json')!.toString()) as { manifests: Array<{ digest: string; size: number }> };
  const m = index.manifests.at(-1)!;
  const manifest = JSON.parse(files.get(`blobs/sha256/${m.digest.slice(7)}`)!.toString()) as { config: { digest: string; size: number } };
  const config = Buffer.from(edit(files.get(`blobs/sha256/${manifest.config.digest.slice(7)}`)!.toString()));
  files.set(`blobs/sha256/${sha(config)}`, config);
  manifest.config = { ...manifest.config, digest: `sha256:${sha(config)}`, size: config.length };
  const mb = Buffer.from(JSON.stringify(manifest));
  files.set(`blobs/sha256/${sha(mb)}`, mb);
  m.digest = `sha256:${sha(mb)}`;
  m.size = mb.length;
  files.set('index.json', Buffer.from(JSON.stringify(index)));
}
