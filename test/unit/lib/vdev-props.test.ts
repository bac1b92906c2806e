/** The vdev property table (zpool_prop.c vdev_prop_init) and how a name finds a vdev (zpool_find_vdev). */
import { describe, expect, it } from 'vitest';
import type { PoolMeta } from '../../../src/engine/model.js';
import { ALL_VDEV_PROPERTIES, findVdevProperty, VDEV_PROPERTIES } from '../../../src/lib/vdev-props.js';
import { findVdev, vdevNodes } from '../../../src/lib/vdev-tree.js';

const M = 64 * 1024 * 1024;
const leaf = (n: string, guid: string) => ({ path: `/d/${n}`, guid, size: M });

const meta = {
  name: 'tank',
  guid: '100',
  imageBytes: 3 * M,
  allocated: 0,
  vdevAlloc: [0, 0, 0],
  props: {},
  vdevs: {
    ashift: 12,
    tops: [
      { type: 'mirror', guid: '10', nparity: 0, children: [leaf('a', '11'), leaf('b', '12')], space: M - 4096 },
      { type: 'raidz', guid: '20', nparity: 2, children: [leaf('c', '21'), leaf('d', '22'), leaf('e', '23')], space: 3 * M },
      { type: 'file', guid: '30', nparity: 0, children: [leaf('f', '30')], space: M - 4096, class: 'log' },
    ],
    spares: [leaf('s', '40')],
    cache: [leaf('l2', '50')],
  },
} as unknown as PoolMeta;

const facts = { stateOf: () => 'ONLINE', poolState: 'ONLINE', errors: {}, poolErrors: { read: 0, write: 0, cksum: 0 }, io: {}, image: '' };

describe('vdev properties', () => {
  it("lists OpenZFS 2.3's properties in vdev_prop_t order, with their column names as aliases", () => {
    expect(VDEV_PROPERTIES).toHaveLength(52);
    expect(ALL_VDEV_PROPERTIES.slice(0, 3)).toEqual(['capacity', 'state', 'guid']);
    expect(ALL_VDEV_PROPERTIES.at(-1)).toBe('slow_ios');
    expect(ALL_VDEV_PROPERTIES).not.toContain('name');
    expect(findVdevProperty('cksum_n')?.name).toBe('checksum_n');
    expect(findVdevProperty('rderr')?.name).toBe('read_errors');
    expect(findVdevProperty('NAME')).toBeUndefined();
    expect(VDEV_PROPERTIES.filter((p) => !p.readonly).map((p) => p.name)).toEqual([
      'comment', 'path', 'allocating', 'failfast', 'checksum_n', 'checksum_t', 'io_n', 'io_t', 'slow_io_n', 'slow_io_t',
    ]);
  });

  it('walks the tree as for_each_vdev does: root, spares, cache, then each top-level vdev and its children', () => {
    expect(vdevNodes('tank', meta, facts).map((n) => n.name)).toEqual(['root-0', '/d/s', '/d/l2', 'mirror-0', '/d/a', '/d/b', 'raidz2-1', '/d/c', '/d/d', '/d/e', '/d/f']);
  });

  it('finds a vdev by guid (decimal, hex, octal), type and index, path or file name', () => {
    const nodes = vdevNodes('tank', meta, facts);
    const name = (s: string) => findVdev(nodes, s)?.name ?? null;
    expect(name('20')).toBe('raidz2-1');
    expect(name('0x14')).toBe('raidz2-1');
    expect(name('024')).toBe('raidz2-1');
    expect(name('100')).toBe('root-0');
    expect(name('0')).toBeNull();
    expect(name('99')).toBeNull();
    expect(name('raidz-1')).toBe('raidz2-1');
    expect(name('raidz2-1')).toBe('raidz2-1');
    expect(name('raidz1-1')).toBeNull();
    expect(name('mirror-0')).toBe('mirror-0');
    expect(name('mirror-1')).toBeNull();
    expect(name('root-0')).toBe('root-0');
    expect(name('root')).toBeNull();
    expect(name('/d/c')).toBe('/d/c');
    expect(name('c')).toBe('/d/c');
    expect(name('s')).toBe('/d/s');
    expect(name('file-2')).toBeNull();
  });
});
