/** An image saved by tszfs is one real tools accept: `skopeo inspect` reads the OCI layout and the
 *  docker save archive, and `umoci unpack --rootless` makes of it the tree `tszfs tar -c` lists
 *  for the image's top layer. CI installs skopeo and umoci (.ci/run): there these tests never skip. */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Sandbox } from './harness.js';
import { THREE } from './images-fixture.js';
import { asTar, ociImage } from './images-support.js';
import { list } from './tar-support.js';

const has = (tool: string) => spawnSync(tool, ['--version']).status === 0;
const tools = has('skopeo') && has('umoci');

/** A host tree as `list` gives an archive: names, types, modes, sizes, link targets, content hashes. */
function hostTree(root: string) {
  const out: Array<{ name: string; type: string; mode: string; size?: number; sha?: string; linkname?: string }> = [];
  const walk = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = fs.lstatSync(full);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isDirectory()) {
        out.push({ name: r, type: 'directory', mode });
        walk(full, r);
      } else if (st.isSymbolicLink()) out.push({ name: r, type: 'symlink', mode, linkname: fs.readlinkSync(full) });
      else {
        const data = fs.readFileSync(full);
        out.push({ name: r, type: 'file', mode, size: data.length, sha: createHash('sha256').update(data).digest('hex').slice(0, 16) });
      }
    }
  };
  walk(root, '');
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const sandboxes: Sandbox[] = [];
afterAll(() => sandboxes.forEach((s) => s.cleanup()));

describe.skipIf(!tools && !process.env.CI)('real tools read what image save writes', () => {
  it('skopeo inspects both formats; umoci unpacks the tree tszfs holds, a committed layer included', async () => {
    const s = new Sandbox();
    sandboxes.push(s);
    s.ok(['pool', 'create', '--size', '256M', 'tank']);
    const img = await ociImage(THREE);
    s.ok(['image', 'load', '-i', s.file('demo.tar', await asTar(img))]);
    s.ok(['container', 'create', 'demo:1.0', 'web']);
    s.ok(['write', '-p', 'tank/web', '/srv/www/index.html'], '<h1>hi</h1>\n');
    s.ok(['rm', '-r', 'tank/web', '/usr/share/doc']);
    s.ok(['ln', 'tank/web', '/usr/lib/libbig.so', '/srv/www/big']);
    s.ok(['container', 'commit', 'web', 'demo:2']);
    const top = JSON.parse(s.ok(['image', 'inspect', 'demo:2']))[0] as { Id: string; RootFS: { Layers: string[] }; GraphDriver: { Data: { Dataset: string } } };

    const dir = path.join(s.home, 'oci');
    s.ok(['image', 'save', '-o', `${dir}/`, 'demo:2']);
    const archive = path.join(s.home, 'docker.tar');
    s.ok(['image', 'save', '--format', 'docker', '-o', archive, 'demo:2']);
    for (const ref of [`oci:${dir}:2`, `docker-archive:${archive}`]) {
      const r = spawnSync('skopeo', ['inspect', ref], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(r.stdout) as { Layers: string[]; Architecture: string; Os: string };
      // Uncompressed layers: their digests are the diff_ids.
      expect([seen.Layers, seen.Architecture, seen.Os]).toEqual([top.RootFS.Layers, 'amd64', 'linux']);
    }
    const config = spawnSync('skopeo', ['inspect', '--config', `docker-archive:${archive}`], { encoding: 'utf8' });
    expect(config.status, config.stderr).toBe(0);
    expect(JSON.parse(config.stdout).rootfs.diff_ids).toEqual(top.RootFS.Layers);

    const bundle = path.join(s.home, 'bundle');
    const u = spawnSync('umoci', ['unpack', '--rootless', '--image', `${dir}:2`, bundle], { encoding: 'utf8' });
    expect(u.status, u.stderr).toBe(0);
    const mine = (await list(s.bytesOf(['tar', '-c', top.GraphDriver.Data.Dataset])))
      .filter((e) => e.name !== '.')
      .map((e) => ({ name: e.name, type: e.type === 'link' ? 'file' : e.type, mode: e.mode, ...(e.type === 'symlink' ? { linkname: e.linkname } : {}) }));
    const theirs = hostTree(path.join(bundle, 'rootfs'));
    expect(theirs.map(({ name, type, mode, linkname }) => ({ name, type, mode, ...(linkname ? { linkname } : {}) }))).toEqual(mine);
    // Contents: every file umoci made reads as tszfs holds it.
    for (const e of theirs.filter((x) => x.type === 'file')) {
      const data = s.bytesOf(['cat', top.GraphDriver.Data.Dataset, `/${e.name}`]);
      expect(createHash('sha256').update(data).digest('hex').slice(0, 16), e.name).toBe(e.sha);
    }
    expect(theirs.find((e) => e.name === 'srv/www/big')?.sha).toBe(theirs.find((e) => e.name === 'usr/lib/libbig.so')?.sha);
    expect(theirs.some((e) => e.name.startsWith('usr/share/doc'))).toBe(false);
  });
});
