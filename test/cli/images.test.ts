/** tszfs image load / ls / rm and containers: real images built here (OCI layout and docker
 *  save, gzip), layer rules (whiteouts, opaque directories, hard links to lower layers, implied
 *  parents), verification before anything is made, and the space each layer is charged. */
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, expectGolden, Sandbox, transcript } from './harness.js';
import { list } from './tar-support.js';
import { dirFiles, readImage } from '../../src/images/layout.js';
import { THREE } from './images-fixture.js';
import { asDir, asTar, chainHexes, dir, dockerSave, file, link, ociImage, opaque, whiteout, type ImageSpec } from './images-support.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];
const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));
const sandbox = () => {
  const s = new Sandbox();
  sandboxes.push(s);
  s.ok(POOL);
  return s;
};

const THREE_LAYERS: ImageSpec = THREE;

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
        ['list', '-t', 'all', '-o', 'name,used,refer,origin'],
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

  it('zstd layers; an opaque directory keeps what its own layer put there, before or after the marker', async () => {
    const s = sandbox();
    const img = await ociImage({
      zstd: true,
      layers: [
        [file('d/x', 'x\n'), file('d/y', 'y\n'), dir('d/sub/'), file('d/sub/deep', 'deep\n'), file('keep', 'k\n')],
        [file('d/before', 'b\n'), opaque('d'), file('d/after', 'a\n'), whiteout('keep'), whiteout('never-there')],
      ],
    });
    s.ok(['image', 'load', '-i', s.file('z.tar', await asTar(img)), 'z']);
    const top = chainHexes(img.diffIds)[1];
    expect(s.ok(['find', `tank/${top}`])).toBe('/\n/d\n/d/after\n/d/before\n');
    expect(s.ok(['find', `tank/${chainHexes(img.diffIds)[0]}`])).toBe('/\n/d\n/d/sub\n/d/sub/deep\n/d/x\n/d/y\n/keep\n');
  });

  it('a layer whose tar holds the root itself (`./`, as umoci writes it) loads', async () => {
    const s = sandbox();
    const img = await ociImage({ layers: [[dir('./', 0o755), file('a', 'a\n')], [dir('./', 0o755), whiteout('a'), file('b', 'b\n')]] });
    s.ok(['image', 'load', '-i', s.file('root.tar', await asTar(img)), 'root']);
    expect(s.ok(['find', `tank/${chainHexes(img.diffIds)[1]}`])).toBe('/\n/b\n');
  });

  it('a large image loads in bounded memory, from a file and from standard input', async () => {
    const s = new Sandbox({ spawn: true });
    sandboxes.push(s);
    s.ok(['pool', 'create', '--size', '256M', 'tank']);
    s.ok(['pool', 'create', '--size', '256M', 'other']);
    // Two layers of 32 MiB: held whole, the archive and its layers would take over 128 MB more.
    const archive = bigImage(s.home, [32 << 20, 32 << 20]);
    const peaks: number[] = [];
    for (const pool of ['tank', 'other']) {
      const r = await peakRss(s, ['image', 'load', '--pool', pool, ...(pool === 'tank' ? ['-i', archive] : []), 'big'], pool === 'tank' ? null : archive);
      expect([r.code, r.stderr]).toEqual([0, '']);
      expect(s.ok(['image', 'ls', '--pool', pool])).toMatch(/big +latest/);
      peaks.push(r.peak);
    }
    for (const peak of peaks) expect(peak).toBeLessThan(150e6);
  }, 120_000);

  it('an image the pool has no room for: out of space, and nothing of it is left', () => {
    const s = new Sandbox();
    sandboxes.push(s);
    s.ok(['pool', 'create', '--size', '64M', 'tank']);
    const before = s.ok(['list', '-t', 'all', '-o', 'name,used,refer']);
    const r = s.run(['image', 'load', '-i', bigImage(s.home, [24 << 20, 40 << 20]), 'big']);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', 'cannot load image: out of space\n']);
    expect(s.ok(['list', '-t', 'all', '-o', 'name,used,refer'])).toBe(before);
  });

  it('a layer blob changed between its check and its application is refused when read again', async () => {
    const s = sandbox();
    const img = await ociImage({ layers: [[file('a', 'a\n')]] });
    const dir = asDir(img, path.join(s.home, 'changing'));
    const files = dirFiles(dir);
    try {
      const image = readImage(files, { os: 'linux', architecture: 'amd64' });
      const [name, layer] = lastLayer(img.files);
      const changed = Buffer.from(layer);
      changed[changed.length - 100] ^= 1;
      fs.writeFileSync(path.join(dir, name), changed);
      const src = image.layers[0].blob.source();
      const buf = Buffer.alloc(1 << 16);
      expect(() => {
        while (src.read(buf, 0, buf.length) > 0);
      }).toThrow(`layer ${name.replace('blobs/sha256/', 'sha256:')}: changed while it was being loaded`);
    } finally {
      files.close();
    }
  });

  it('a layer that cannot be applied: the load takes back the layers it made', async () => {
    const s = sandbox();
    const img = await ociImage({ layers: [[file('a', 'a\n')], [link('b', 'no/such/file')]] });
    const before = s.ok(['list', '-t', 'all']);
    const r = s.run(['image', 'load', '-i', s.file('broken.tar', await asTar(img)), 'broken']);
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `cannot load image: layer ${img.diffIds[1]}:\n  b: Cannot hard link to 'no/such/file': No such file or directory\n`]);
    expect(s.ok(['list', '-t', 'all'])).toBe(before);
  });

  it('a snapshot a load cut short left between snapshot and clone is taken as it is', async () => {
    const s = sandbox();
    const one = await ociImage({ layers: THREE_LAYERS.layers.slice(0, 1) });
    const two = await ociImage({ layers: THREE_LAYERS.layers.slice(0, 2) });
    s.ok(['image', 'load', '-i', s.file('one.tar', await asTar(one)), 'one']);
    const [base, second] = chainHexes(two.diffIds);
    s.ok(['snapshot', `tank/${base}@${second.slice(0, 12)}`]);
    s.ok(['image', 'load', '-i', s.file('two.tar', await asTar(two)), 'two']);
    expect(s.ok(['get', '-H', '-o', 'value', 'origin', `tank/${second}`])).toBe(`tank/${base}@${second.slice(0, 12)}\n`);
  });

  it('an index with several platforms: --platform picks the manifest, linux/amd64 by default', async () => {
    const s = sandbox();
    const img = await ociImage({ layers: [[file('which', 'amd64\n')]], otherPlatforms: [{ os: 'linux', architecture: 'arm64', layers: [[file('which', 'arm64\n')]] }] });
    const archive = s.file('multi.tar', await asTar(img));
    s.ok(['image', 'load', '-i', archive, 'multi:amd64']);
    s.ok(['image', 'load', '-i', archive, '--platform', 'linux/arm64', 'multi:arm64']);
    const tops = s.ok(['image', 'ls']).split('\n').slice(1, 3).map((l) => l.trim().split(/\s+/));
    expect(tops.map((t) => [t[1], s.ok(['cat', t.at(-1)!, '/which'])])).toEqual([
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

  it('a docker save archive whose layer does not match its diff_id is refused', async () => {
    const s = sandbox();
    const img = await dockerSave({ layers: [[file('a', 'a\n')], [file('b', 'b\n')]] });
    const files = new Map(img.files);
    const [name] = [...files.keys()].filter((n) => n.endsWith('/layer.tar')).sort();
    const bad = Buffer.from(files.get(name)!);
    bad[600] ^= 1;
    files.set(name, bad);
    const r = s.run(['image', 'load', '-i', s.file('bad.tar', await asTar({ ...img, files }))]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^cannot load image: layer ${name}: diff_id mismatch \\(config says sha256:[0-9a-f]{64}, content is sha256:[0-9a-f]{64}\\)\n$`));
    expect(s.ok(['list', '-H', '-o', 'name'])).toBe('tank\n');
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

/** An OCI layout archive of layers holding one random file of each size, made with GNU tar
 *  (quicker than tar-stream for tens of megabytes). */
function bigImage(home: string, sizes: number[]): string {
  const dir = fs.mkdtempSync(path.join(home, 'big-'));
  const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
  fs.mkdirSync(path.join(dir, 'blobs/sha256'), { recursive: true });
  const put = (b: Buffer) => (fs.writeFileSync(path.join(dir, 'blobs/sha256', sha(b)), b), `sha256:${sha(b)}`);
  const tars = sizes.map((size, i) => {
    const t = fs.mkdtempSync(path.join(home, 'layer-'));
    fs.writeFileSync(path.join(t, `big${i}`), randomBytes(size));
    const tar = execFileSync('tar', ['-cf', '-', '-C', t, '.'], { maxBuffer: 1 << 30 });
    fs.rmSync(t, { recursive: true });
    return tar;
  });
  const config = Buffer.from(JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: tars.map((t) => `sha256:${sha(t)}`) } }));
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: put(config), size: config.length }, layers: tars.map((t) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: put(t), size: t.length })) }));
  fs.writeFileSync(path.join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  fs.writeFileSync(path.join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ digest: put(manifest), size: manifest.length }] }));
  const archive = path.join(home, 'big.tar');
  execFileSync('tar', ['-cf', archive, '-C', dir, 'oci-layout', 'index.json', 'blobs']);
  fs.rmSync(dir, { recursive: true });
  return archive;
}

/** Run the binary and follow its peak resident memory (the kernel's VmHWM, polled). */
async function peakRss(s: Sandbox, args: string[], stdinFile: string | null): Promise<{ code: number | null; stderr: string; peak: number }> {
  const input = stdinFile === null ? 'ignore' : fs.openSync(stdinFile, 'r');
  const child = spawn(process.execPath, [BIN, ...args], { env: s.env(), stdio: [input, 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let peak = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
    } catch {
      // gone
    }
  }, 5);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  if (typeof input === 'number') fs.closeSync(input);
  return { code, stderr, peak };
}

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

describe('containers', () => {
  it('create, change, diff, commit: the committed image gives the container tree', async () => {
    const s = sandbox();
    const img = await ociImage(THREE_LAYERS);
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(img))]);
    const steps: Array<string[] | { args: string[]; input: string }> = [
      ['container', 'create', 'demo:1.0', 'web'],
      ['container', 'create', 'demo:1.0', 'web'],
      ['container', 'create', 'demo:1.0', 'bad/name'],
      ['container', 'create', 'nothere', 'web3'],
      ['container', 'ls'],
      { args: ['write', 'tank/web', '/etc/passwd'], input: 'root:x:0:0::/root:/bin/bash\n' },
      { args: ['write', '-p', 'tank/web', '/srv/www/index.html'], input: '<h1>hi</h1>\n' },
      ['rm', '-r', 'tank/web', '/usr/share/doc'],
      ['rm', 'tank/web', '/usr/lib/libbig.so'],
      ['mv', 'tank/web', '/opt/app', '/opt/application'],
      ['chmod', '700', 'tank/web', '/etc/motd'],
      ['container', 'diff', 'web'],
      ['container', 'commit', 'web', 'demo:2'],
      ['image', 'ls'],
      ['container', 'create', 'demo:2', 'web2'],
      ['container', 'diff', 'web2'],
      ['list', '-t', 'filesystem', '-o', 'name,used,refer,origin'],
    ];
    const out = transcript(steps, s, true);
    expectGolden('images-containers', out);
    const web = await list(s.bytesOf(['tar', '-c', 'tank/web']));
    const web2 = await list(s.bytesOf(['tar', '-c', 'tank/web2']));
    const shape = (l: Awaited<ReturnType<typeof list>>) => l.map(({ name, type, mode, uid, gid, sha, linkname }) => ({ name, type, mode, uid, gid, sha, linkname }));
    expect(shape(web2)).toEqual(shape(web));
    expect(web.find((e) => e.name === 'usr/bin/big-link')?.sha).toBeDefined();
    const rm = transcript([['container', 'rm', 'web2'], ['container', 'rm', '-f', 'web'], ['container', 'rm', 'web'], ['container', 'ls']], s, true);
    expectGolden('images-containers-rm', rm);
  });
});

describe('space and sharing', () => {
  it('each layer is charged for what it changed; a container for the records it wrote', async () => {
    const s = sandbox();
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(await ociImage(THREE_LAYERS)))]);
    s.ok(['container', 'create', 'demo:1.0', 'web']);
    const out = transcript(
      [
        // 4K in the middle of the 300K library: one 128K record copied, the other two shared
        { args: ['write', '--offset', '140000', 'tank/web', '/usr/lib/libbig.so'], input: 'x'.repeat(4096) },
        ['list', '-t', 'all', '-o', 'name,used,refer,written,origin'],
        ['image', 'rm', 'demo:1.0'],
      ],
      s,
      true,
    );
    expectGolden('images-space', out);
    expect(s.bytes('used', 'tank/web')).toBeGreaterThanOrEqual(128 * 1024);
    expect(s.bytes('used', 'tank/web')).toBeLessThan(2 * 128 * 1024);
  });
});
