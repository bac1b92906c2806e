/** The feature table and version maps (zfeature_common.c, zfs_comutil.c) and compatibility sets. */
import { describe, expect, it } from 'vitest';
import { FEATURE_TABLE, spaVersionFor, withDependencies, zplVersionFor } from '../../../src/lib/features.js';
import { loadCompat } from '../../../src/lib/pool-features.js';

describe('features', () => {
  it('has OpenZFS 2.3 features in spa_feature_t order, each dependency known', () => {
    expect(FEATURE_TABLE).toHaveLength(44);
    expect(FEATURE_TABLE[0].name).toBe('async_destroy');
    expect(FEATURE_TABLE.at(-1)?.name).toBe('large_microzap');
    const names = new Set(FEATURE_TABLE.map((f) => f.name));
    for (const f of FEATURE_TABLE) for (const d of f.deps) expect(names.has(d), `${f.name} -> ${d}`).toBe(true);
  });

  it('enables dependencies first, transitively, in table order', () => {
    expect(withDependencies('encryption')).toEqual(['extensible_dataset', 'bookmarks', 'encryption', 'bookmark_v2']);
    expect(withDependencies('hole_birth')).toEqual(['enabled_txg', 'hole_birth']);
    expect(withDependencies('async_destroy')).toEqual(['async_destroy']);
  });

  it('maps filesystem and pool versions as zfs_version_table does', () => {
    expect([1, 2, 3, 4, 5].map(spaVersionFor)).toEqual([1, 1, 9, 15, 24]);
    expect([1, 8, 9, 14, 15, 23, 24, 28, 5000].map(zplVersionFor)).toEqual([2, 2, 3, 3, 4, 4, 5, 5, 5]);
  });

  it('reads off, legacy and the shipped compatibility files', () => {
    expect(loadCompat('off').features.size).toBe(44);
    expect(loadCompat('legacy').features.size).toBe(0);
    const zol = loadCompat('zol-0.6.1');
    expect(zol.status).toBe('ok');
    expect([...zol.features].sort()).toEqual(['async_destroy', 'empty_bpobj', 'lz4_compress']);
    expect(loadCompat('zol-0.6.1,nothing-here').status).toBe('badfile');
    expect(loadCompat(',').status).toBe('nofiles');
  });
});
