import { describe, expect, it } from 'vitest';
import { formatSource, formatValue, jsonProperty, propertyColumn, toJson } from '../../../src/cli/format/props.js';
import type { PropValue } from '../../../src/lib/properties/values.js';

const v = (value: number | string, format: PropValue['format']): PropValue => ({ value, format, source: { type: 'none' } });

describe('formatValue', () => {
  it('prints human values as zfs_prop_get does', () => {
    expect(formatValue(v(0, 'bytes'), false)).toBe('0B');
    expect(formatValue(v(1572864, 'bytes'), false)).toBe('1.50M');
    expect(formatValue(v(0, 'number'), false)).toBe('0');
    expect(formatValue(v(131072, 'number'), false)).toBe('128K');
    expect(formatValue(v('4823497291473423843', 'raw'), false)).toBe('4823497291473423843');
    expect(formatValue(v(12, 'raw'), false)).toBe('12');
    expect(formatValue(v(235, 'ratio'), false)).toBe('2.35x');
    expect(formatValue(v('/tank/a', 'text'), false)).toBe('/tank/a');
  });

  it('prints dates in local time with %e and %k padding', () => {
    const tz = process.env.TZ;
    process.env.TZ = 'UTC';
    try {
      expect(formatValue(v(1736240700, 'date'), false)).toBe('Tue Jan  7  9:05 2025');
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('prints literal values with -p', () => {
    expect(formatValue(v(184320, 'bytes'), true)).toBe('184320');
    expect(formatValue(v(131072, 'number'), true)).toBe('131072');
    expect(formatValue(v(1736240700, 'date'), true)).toBe('1736240700');
    expect(formatValue(v(100, 'ratio'), true)).toBe('1.00');
  });

  it('handles 64-bit values given as digit strings and words in numeric properties', () => {
    expect(formatValue(v('18446744073709551615', 'bytes'), false)).toBe('16.0E');
    expect(formatValue(v('none', 'bytes'), false)).toBe('none');
    expect(formatValue(v('none', 'bytes'), true)).toBe('none');
  });

  it('prints - where a property does not apply', () => {
    expect(formatValue(null, false)).toBe('-');
    expect(formatValue(null, true)).toBe('-');
  });
});

describe('formatSource', () => {
  it('names the source as the SOURCE column does', () => {
    expect(formatSource(null)).toBe('-');
    expect(formatSource({ type: 'none' })).toBe('-');
    expect(formatSource({ type: 'default' })).toBe('default');
    expect(formatSource({ type: 'local' })).toBe('local');
    expect(formatSource({ type: 'inherited', from: 'tank/a' })).toBe('inherited from tank/a');
  });
});

describe('propertyColumn', () => {
  it('right-aligns fixed numbers with a width of at least 5', () => {
    expect(propertyColumn('used')).toEqual({ header: 'USED', align: 'right', minWidth: 5, fixed: true });
    expect(propertyColumn('usedbyrefreservation')).toMatchObject({ header: 'USEDREFRESERV', minWidth: 13, fixed: true });
    expect(propertyColumn('compressratio')).toMatchObject({ header: 'RATIO', align: 'right', fixed: true });
  });

  it('lets flex columns grow: name, strings, creation, guid, createtxg', () => {
    expect(propertyColumn('name')).toMatchObject({ header: 'NAME', align: 'left', fixed: false });
    expect(propertyColumn('creation')).toMatchObject({ header: 'CREATION', align: 'left', minWidth: 8, fixed: false });
    expect(propertyColumn('guid')).toMatchObject({ header: 'GUID', align: 'right', minWidth: 5, fixed: false });
    expect(propertyColumn('createtxg')).toMatchObject({ align: 'right', fixed: false });
    expect(propertyColumn('mountpoint')).toMatchObject({ header: 'MOUNTPOINT', align: 'left', fixed: false });
  });

  it('sizes index columns by their longest value', () => {
    expect(propertyColumn('readonly')).toMatchObject({ header: 'RDONLY', minWidth: 6 });
  });

  it('upper-cases user property headers; written@ values align right under a left header', () => {
    expect(propertyColumn('com.x:y')).toEqual({ header: 'COM.X:Y', align: 'left', minWidth: 7 });
    expect(propertyColumn('written@snap')).toEqual({ header: 'WRITTEN@SNAP', align: 'right', headerAlign: 'left', minWidth: 12, fixed: true });
  });
});

describe('JSON', () => {
  it('prints compact JSON in insertion order, numbers only where asked', () => {
    const o = { a: jsonProperty('184320', { type: 'none' }, true), b: jsonProperty('1.00', { type: 'local' }, true) };
    expect(toJson(o)).toBe('{"a":{"value":184320,"source":{"type":"NONE","data":"-"}},"b":{"value":"1.00","source":{"type":"LOCAL","data":"-"}}}');
    expect(toJson(jsonProperty('24K', { type: 'inherited', from: 'tank' }, false))).toBe(
      '{"value":"24K","source":{"type":"INHERITED","data":"tank"}}',
    );
  });

  it('escapes as nvlist_print_json_string: ASCII only, lower-case hex, no astral characters', () => {
    expect(toJson('a"b\\c\n\t\u0001\u00e9\u20ac\u{1F600}\u007f')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u00e9\\u20ac\u007f"');
  });
});
