import { beforeEach, describe, expect, it } from 'vitest';
import { parseDepth, parseTypes } from '../../../src/cli/commands/list.js';
import { UsageError } from '../../../src/cli/parse.js';
import {
  compareDefault,
  ListingUsageError,
  parsePropertyList,
  sortKeyName,
  sortRows,
  type Row,
  type SortKey,
} from '../../../src/lib/listing.js';
import type { PropValue } from '../../../src/lib/properties/values.js';

let txg = 0;
beforeEach(() => {
  txg = 0;
});
/** A row with the given values; snapshots get increasing createtxgs unless one is given. */
function row(name: string, values: Record<string, PropValue['value'] | null> = {}, createTxg = ++txg): Row {
  const type = name.includes('@') ? 'snapshot' : 'filesystem';
  const map = new Map<string, PropValue | null>();
  for (const [k, v] of Object.entries(values)) {
    map.set(k, v === null ? null : { value: v, format: typeof v === 'number' ? 'bytes' : 'text', source: { type: 'none' } });
  }
  return { name, type, pool: name.split(/[/@]/)[0], createTxg, values: map, userProps: [] };
}

const names = (rows: Row[]) => rows.map((r) => r.name);
const sorted = (rows: Row[], keys: SortKey[] = []) => names(sortRows([...rows], keys));

describe('default order (zfs_compare)', () => {
  it('compares the part before @ bytewise, so children need not follow their parent', () => {
    const rows = ['rsq/ab', 'rsq/a:b', 'rsq/a/c', 'rsq/a.b', 'rsq/a-b', 'rsq/a', 'rsq/A', 'rsq'].map((n) => row(n));
    expect(sorted(rows)).toEqual(['rsq', 'rsq/A', 'rsq/a', 'rsq/a-b', 'rsq/a.b', 'rsq/a/c', 'rsq/a:b', 'rsq/ab']);
  });

  it('puts a dataset before its snapshots, and snapshots by createtxg, not by name', () => {
    const rows = [row('rsq/a-b'), row('rsq/a@s1', {}, 20), row('rsq/a@s2', {}, 10), row('rsq/a'), row('rsq/a/c')];
    expect(sorted(rows)).toEqual(['rsq/a', 'rsq/a@s2', 'rsq/a@s1', 'rsq/a-b', 'rsq/a/c']);
  });

  it('falls back to the snapshot name when neither has a createtxg', () => {
    expect(compareDefault(row('t@b', {}, 0), row('t@a', {}, 0))).toBe(1);
    expect(compareDefault(row('t@a', {}, 0), row('t@b', {}, 0))).toBe(-1);
  });

  it('compares UTF-8 bytes, not UTF-16 code units', () => {
    // U+FF21 (EF BC A1) sorts before U+1F600 (F0 9F 98 80) in bytes, after it in UTF-16.
    expect(sorted([row('t/\u{1F600}'), row('t/\uFF21')])).toEqual(['t/\uFF21', 't/\u{1F600}']);
  });
});

describe('-s / -S keys (zfs_sort)', () => {
  const rows = [
    row('tank', { used: 300, 'com.x:y': 'b', type: 'filesystem', available: 50 }),
    row('tank/a', { used: 100, 'com.x:y': null, type: 'filesystem', available: 50 }),
    row('tank/a@s', { used: 0, 'com.x:y': 'a', type: 'snapshot', available: null }),
    row('tank/b', { used: 100, 'com.x:y': 'c', type: 'filesystem', available: 40 }),
  ];

  it('numbers ascending with -s and descending with -S, ties in default order', () => {
    expect(sorted(rows, [{ prop: 'used', reverse: false }])).toEqual(['tank/a@s', 'tank/a', 'tank/b', 'tank']);
    expect(sorted(rows, [{ prop: 'used', reverse: true }])).toEqual(['tank', 'tank/a', 'tank/b', 'tank/a@s']);
  });

  it('puts rows where the property does not apply last in both directions', () => {
    expect(sorted(rows, [{ prop: 'available', reverse: false }])).toEqual(['tank/b', 'tank', 'tank/a', 'tank/a@s']);
    expect(sorted(rows, [{ prop: 'available', reverse: true }])).toEqual(['tank', 'tank/a', 'tank/b', 'tank/a@s']);
    expect(sorted(rows, [{ prop: 'com.x:y', reverse: true }])).toEqual(['tank/b', 'tank', 'tank/a@s', 'tank/a']);
  });

  it('uses later keys for ties and for rows invalid under both', () => {
    const keys: SortKey[] = [
      { prop: 'available', reverse: false },
      { prop: 'com.x:y', reverse: false },
    ];
    // tank and tank/a tie on available; tank/a has no com.x:y, so it goes after tank.
    expect(sorted(rows, keys)).toEqual(['tank/b', 'tank', 'tank/a', 'tank/a@s']);
  });

  it('sorts name by the full name, strings bytewise', () => {
    expect(sorted(rows, [{ prop: 'name', reverse: true }])).toEqual(['tank/b', 'tank/a@s', 'tank/a', 'tank']);
    expect(sorted(rows, [{ prop: 'type', reverse: true }])).toEqual(['tank/a@s', 'tank', 'tank/a', 'tank/b']);
  });

  it('compares numbers numerically, not as text', () => {
    const big = [row('t/a', { used: 9 }), row('t/b', { used: 10 }), row('t/c', { used: 100 })];
    expect(sorted(big, [{ prop: 'used', reverse: false }])).toEqual(['t/a', 't/b', 't/c']);
  });

  it('compares index properties by their table number (off < on)', () => {
    const ro = [row('t/a', { readonly: 'on' }), row('t/b', { readonly: 'off' })];
    expect(sorted(ro, [{ prop: 'readonly', reverse: false }])).toEqual(['t/b', 't/a']);
  });
});

describe('option parsing helpers', () => {
  it('parses -d like strtol(..., 0) and rejects the rest', () => {
    expect(parseDepth('0')).toBe(0);
    expect(parseDepth('2')).toBe(2);
    expect(parseDepth('0x10')).toBe(16);
    expect(parseDepth('010')).toBe(8);
    expect(parseDepth(' +3')).toBe(3);
    expect(() => parseDepth('abc')).toThrow(new UsageError('abc is not an integer'));
    expect(() => parseDepth('08')).toThrow(new UsageError('08 is not an integer'));
    expect(() => parseDepth('-1')).toThrow(new UsageError('Depth can not be negative.'));
    // LONG_MAX cast to int is -1.
    expect(() => parseDepth('99999999999999999999')).toThrow(new UsageError('Depth can not be negative.'));
  });

  it('parses -t words, `all` and rejects unknown or empty ones', () => {
    expect([...parseTypes('fs,snap')]).toEqual(['filesystem', 'snapshot']);
    expect([...parseTypes('all')]).toEqual(['filesystem', 'volume', 'snapshot', 'bookmark']);
    expect(() => parseTypes('fs,bogus')).toThrow(new UsageError("invalid type 'bogus'"));
    expect(() => parseTypes('fs,')).toThrow(new UsageError("invalid type ''"));
  });

  it('reads property lists as zprop_get_list does', () => {
    expect(parsePropertyList('all')).toEqual({ all: true, props: [] });
    expect(parsePropertyList('avail,refer,recsize,com.x:y,written@s,').props).toEqual([
      'available',
      'referenced',
      'recordsize',
      'com.x:y',
      'written@s',
    ]);
    expect(parsePropertyList('space').props).toEqual([
      'name',
      'available',
      'used',
      'usedbysnapshots',
      'usedbydataset',
      'usedbyrefreservation',
      'usedbychildren',
    ]);
    expect(() => parsePropertyList('used,foo')).toThrow(new ListingUsageError("bad property list: invalid property 'foo'"));
    expect(() => parsePropertyList('USED')).toThrow(new ListingUsageError("bad property list: invalid property 'USED'"));
    expect(() => parsePropertyList('used,,refer')).toThrow(new ListingUsageError('bad property list: empty property name'));
    expect(() => parsePropertyList('')).toThrow(new ListingUsageError('bad property list: no properties specified'));
  });

  it('accepts native names, aliases and user properties as sort keys', () => {
    expect(sortKeyName('avail')).toBe('available');
    expect(sortKeyName('name')).toBe('name');
    expect(sortKeyName('com.x:y')).toBe('com.x:y');
    expect(sortKeyName('written@s')).toBeNull();
    expect(sortKeyName('Com.x:y')).toBeNull();
    expect(sortKeyName('foo')).toBeNull();
  });
});
