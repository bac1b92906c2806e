/**
 * Pool versions and feature flags (issue 16 item 2): zpool create -o version/-d/-o feature@,
 * feature@ states, zpool set, zpool upgrade, compatibility and its status notice, the filesystem
 * version with zfs create/upgrade, and what a pool without a feature refuses. OpenZFS 2.3's
 * zpool_main.c / zfs_main.c texts, golden files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'vitest';
import { expectGolden, Sandbox, transcript } from './harness.js';

const FEATS = 'version,feature@bookmarks,feature@bookmark_v2,feature@bookmark_written,feature@large_blocks,feature@zstd_compress,feature@sha512';

describe('pool versions and features', () => {
  it('feature states follow use; legacy pools; create -d and -o feature@', () => {
    expectGolden(
      'features/states',
      transcript([
        ['pool', 'create', '--size', '64M', 'tank'],
        ['pool', 'get', FEATS, 'tank'],
        ['snapshot', 'tank@s'],
        ['bookmark', 'tank@s', 'tank#b'],
        ['set', 'compression=zstd', 'recordsize=1M', 'checksum=sha512', 'tank'],
        { args: ['write', 'tank', '/big'], input: Buffer.alloc(300 * 1024, 7) },
        ['pool', 'get', FEATS, 'tank'],
        ['destroy', 'tank#b'],
        ['pool', 'get', 'feature@bookmarks', 'tank'],
        ['set', 'snapshot_limit=10', 'tank'],
        ['pool', 'get', 'feature@filesystem_limits', 'tank'],
        ['pool', 'create', '--size', '64M', '-o', 'version=28', 'old'],
        ['pool', 'get', 'version,feature@async_destroy', 'old'],
        ['pool', 'create', '--size', '64M', '-o', 'version=28', '-o', 'feature@lz4_compress=enabled', 'bad'],
        ['pool', 'create', '--size', '64M', '-o', 'version=29', 'bad'],
        ['pool', 'create', '--size', '64M', '-o', 'version=5', '-o', 'compatibility=openzfs-2.0-linux', 'bad'],
        ['pool', 'create', '--size', '64M', '-d', '-o', 'feature@bookmark_v2=enabled', 'nf'],
        ['pool', 'get', 'feature@extensible_dataset,feature@bookmarks,feature@bookmark_v2,feature@lz4_compress', 'nf'],
        ['pool', 'set', 'feature@lz4_compress=disabled', 'nf'],
        ['pool', 'set', 'feature@nope=enabled', 'nf'],
        ['pool', 'set', 'feature@zstd_compress=enabled', 'nf'],
        ['pool', 'get', 'feature@zstd_compress,feature@extensible_dataset', 'nf'],
        ['pool', 'set', 'version=28', 'nf'],
        ['pool', 'set', 'version=20', 'old'],
        ['pool', 'set', 'version=28', 'old'],
        ['pool', 'get', 'version', 'old'],
        ['pool', 'list', '-j', '-o', 'version', 'old'],
        ['pool', 'set', 'feature@hole_birth=enabled', 'old'],
        ['pool', 'get', 'version,feature@enabled_txg,feature@hole_birth,feature@lz4_compress', 'old'],
      ]),
    );
  });

  it('what a pool without a feature refuses', () => {
    expectGolden(
      'features/refusals',
      transcript([
        ['pool', 'create', '--size', '64M', '-d', 'nf'],
        ['snapshot', 'nf@s'],
        ['bookmark', 'nf@s', 'nf#b'],
        ['set', 'compression=zstd', 'nf'],
        ['set', 'recordsize=1M', 'nf'],
        ['set', 'checksum=skein', 'nf'],
        ['set', 'compression=lz4', 'nf'],
        ['create', '-o', 'compression=zstd-9', 'nf/a'],
        ['create', '-o', 'recordsize=256K', 'nf/a'],
        ['set', 'recordsize=128K', 'compression=gzip', 'nf'],
        ['set', 'filesystem_limit=5', 'nf'],
        ['set', 'filesystem_limit=none', 'nf'],
        ['set', 'dnodesize=auto', 'nf'],
        ['pool', 'create', '--size', '64M', '-o', 'version=4', 'v4'],
        ['set', 'compression=gzip', 'v4'],
        ['set', 'copies=2', 'v4'],
        ['list', '-H', '-o', 'name', '-r', 'nf', 'v4'],
      ]),
    );
  });

  it('a stream of blocks over 128K needs large_blocks on the receiving pool', () => {
    const sb = new Sandbox();
    for (const args of [
      ['pool', 'create', '--size', '64M', 'tank'],
      ['create', '-o', 'recordsize=1M', '-o', 'compression=off', 'tank/big'],
      ['create', '-o', 'compression=off', 'tank/small'],
      ['pool', 'create', '--size', '64M', '-d', 'nf'],
    ]) sb.ok(args);
    sb.ok(['write', 'tank/big', '/f'], Buffer.alloc(300 * 1024, 7));
    sb.ok(['write', 'tank/small', '/f'], Buffer.alloc(300 * 1024, 7));
    sb.ok(['snapshot', 'tank/big@s']);
    sb.ok(['snapshot', 'tank/small@s']);
    const big = sb.bytesOf(['send', '-L', 'tank/big@s']);
    const small = sb.bytesOf(['send', 'tank/small@s']);
    expectGolden(
      'features/receive-large-blocks',
      transcript(
        [
          { args: ['receive', 'nf/big'], input: big },
          { args: ['receive', 'nf/small'], input: small },
          ['list', '-H', '-o', 'name', '-r', 'nf'],
          ['pool', 'get', '-H', '-o', 'value', 'feature@large_blocks', 'tank', 'nf'],
        ],
        sb,
      ),
    );
  });

  it('zpool upgrade: -v, listing, one pool, -a, -V', () => {
    expectGolden(
      'features/zpool-upgrade',
      transcript([
        ['pool', 'upgrade', '-v'],
        ['pool', 'create', '--size', '64M', 'tank'],
        ['pool', 'upgrade'],
        ['pool', 'create', '--size', '64M', '-o', 'version=10', 'old'],
        ['pool', 'create', '--size', '64M', '-d', '-o', 'feature@lz4_compress=enabled', 'nf'],
        ['pool', 'upgrade'],
        ['pool', 'upgrade', '-V', '15', 'old'],
        ['pool', 'upgrade', '-V', '12', 'old'],
        ['pool', 'upgrade', '-V', '15', 'old'],
        ['pool', 'upgrade', '-V', '99', 'old'],
        ['pool', 'upgrade', '-V', '15'],
        ['pool', 'upgrade', '-v', 'old'],
        ['pool', 'upgrade', '-a', 'old'],
        ['pool', 'upgrade', 'tank'],
        ['pool', 'upgrade', '-a'],
        ['pool', 'upgrade', '-a'],
        ['pool', 'get', 'version,feature@async_destroy,feature@zstd_compress', 'old'],
        ['pool', 'history', 'old'],
      ]).replace(/\d{4}-\d\d-\d\d\.\d\d:\d\d:\d\d/g, 'DATE'),
    );
  });

  it('compatibility: files, legacy, warnings and the status notices', () => {
    expectGolden(
      'features/compatibility',
      transcript([
        ['pool', 'create', '--size', '64M', '-o', 'compatibility=openzfs-2.0-linux', 'c'],
        ['pool', 'get', 'compatibility,feature@zstd_compress,feature@draid,feature@async_destroy', 'c'],
        ['pool', 'status', 'c'],
        ['pool', 'set', 'feature@zstd_compress=enabled', 'c'],
        ['pool', 'set', 'compatibility=grub2-2.06', 'c'],
        ['pool', 'status', 'c'],
        ['pool', 'set', 'compatibility=nope', 'c'],
        ['pool', 'set', 'compatibility=off', 'c'],
        ['pool', 'status', 'c'],
        ['pool', 'upgrade', 'c'],
        ['pool', 'status', '-x', 'c'],
        ['pool', 'create', '--size', '64M', '-o', 'version=28', '-o', 'compatibility=legacy', 'old'],
        ['pool', 'status', 'old'],
        ['pool', 'upgrade', 'old'],
        ['pool', 'create', '--size', '64M', '-o', 'compatibility=compat-2018,nope', 'bad'],
      ]).replace(/config:\n[\s\S]*?errors:/g, 'config: (the vdev tree)\nerrors:'),
    );
  });

  it('compatibility files: several intersect; local files with unknown names or no final newline', () => {
    const sb = new Sandbox();
    const own = path.join(sb.home, 'mine');
    fs.writeFileSync(own, '# ours\nasync_destroy, bookmarks\textensible_dataset\n');
    const typo = path.join(sb.home, 'typo');
    fs.writeFileSync(typo, 'async_destroy\nbookmark_vv2\n');
    const cut = path.join(sb.home, 'cut');
    fs.writeFileSync(cut, 'async_destroy');
    expectGolden(
      'features/compatibility-files',
      transcript(
        [
          ['pool', 'create', '--size', '64M', '-o', `compatibility=compat-2018,${own}`, 'c'],
          ['pool', 'get', 'feature@async_destroy,feature@bookmarks,feature@extensible_dataset,feature@lz4_compress', 'c'],
          ['pool', 'upgrade'],
          ['pool', 'set', `compatibility=${typo}`, 'c'],
          ['pool', 'set', `compatibility=${cut}`, 'c'],
          ['pool', 'get', '-H', '-o', 'value', 'compatibility', 'c'],
          ['pool', 'create', '--size', '64M', '-o', `compatibility=${own}`, '-o', 'feature@zstd_compress=enabled', 'z'],
          ['pool', 'get', 'feature@zstd_compress,feature@extensible_dataset,feature@lz4_compress', 'z'],
        ],
        sb,
        true,
      ) +
        // The file goes away: the set cannot be read any more.
        (fs.rmSync(own), '') +
        transcript(
          [
            ['pool', 'status', 'c'],
            ['pool', 'upgrade', 'c'],
            ['pool', 'set', 'feature@lz4_compress=enabled', 'c'],
          ],
          sb,
        ).replace(/config:\n[\s\S]*?errors:/g, 'config: (the vdev tree)\nerrors:'),
    );
  });

  it('filesystem versions: zfs create -o version, zfs upgrade', () => {
    expectGolden(
      'features/zfs-upgrade',
      transcript([
        ['upgrade', '-v'],
        ['pool', 'create', '--size', '64M', '-o', 'version=14', 'old'],
        ['pool', 'create', '--size', '64M', 'tank'],
        ['create', '-o', 'version=3', 'tank/v3'],
        ['create', 'tank/v3/child'],
        ['create', '-o', 'version=4', 'old/v4'],
        ['create', 'old/fs'],
        ['get', '-r', 'version', 'old', 'tank'],
        ['upgrade'],
        ['set', 'version=2', 'tank/v3'],
        ['set', 'version=4', 'old/fs'],
        ['upgrade', '-V', '4', 'tank/v3'],
        ['upgrade', 'old/fs'],
        ['upgrade', '-r', 'tank'],
        ['upgrade', '-r'],
        ['upgrade', '-v', 'tank'],
        ['upgrade', 'nope/x'],
        ['create', '-V', '8M', 'tank/vol'],
        ['upgrade', 'tank/vol'],
        ['pool', 'upgrade', 'old'],
        ['upgrade', '-a'],
        ['upgrade'],
        ['get', '-r', 'version', 'old', 'tank'],
      ]),
    );
  });
});
