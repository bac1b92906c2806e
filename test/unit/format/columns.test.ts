import { describe, expect, it } from 'vitest';
import {
  columnWidths,
  renderTable,
  type ColumnSpec,
  type RenderOptions,
} from '../../../src/cli/format/columns.js';

const HUMAN: RenderOptions = {
  scripted: false,
  header: true,
  parsable: false,
  widenFixedWhenParsable: true,
};
const lines = (...ls: string[]): string => ls.map((l) => l + '\n').join('');

// zfs list column specs per §4.3
const NAME: ColumnSpec = { header: 'NAME', align: 'left' };
const num = (header: string): ColumnSpec => ({
  header,
  align: 'right',
  minWidth: 5,
  fixed: true,
});
const MOUNTPOINT: ColumnSpec = { header: 'MOUNTPOINT', align: 'left' };

describe('zfs list layout (spec §4.3 examples)', () => {
  it('zfs list -t all', () => {
    const cols = [NAME, num('USED'), num('AVAIL'), num('REFER'), MOUNTPOINT];
    const rows = [
      ['tank', '180K', '208M', '24K', '/tank'],
      ['tank/a', '24K', '208M', '24K', '/tank/a'],
      ['tank/a@s1', '0B', '-', '24K', '-'],
      ['tank/b', '24K', '208M', '24K', '/tank/b'],
    ];
    expect(renderTable(cols, rows, HUMAN)).toBe(
      lines(
        'NAME        USED  AVAIL  REFER  MOUNTPOINT',
        'tank        180K   208M    24K  /tank',
        'tank/a       24K   208M    24K  /tank/a',
        'tank/a@s1     0B      -    24K  -',
        'tank/b       24K   208M    24K  /tank/b',
      ),
    );
  });

  it('zfs list -o space (right-aligned last column is padded)', () => {
    const nums = ['AVAIL', 'USED', 'USEDSNAP', 'USEDDS', 'USEDREFRESERV', 'USEDCHILD'];
    const cols = [NAME, ...nums.map(num)];
    const rows = [
      ['tank', '208M', '180K', '0B', '24K', '0B', '156K'],
      ['tank/a', '208M', '24K', '0B', '24K', '0B', '0B'],
    ];
    expect(renderTable(cols, rows, HUMAN)).toBe(
      lines(
        'NAME    AVAIL   USED  USEDSNAP  USEDDS  USEDREFRESERV  USEDCHILD',
        'tank     208M   180K        0B     24K             0B       156K',
        'tank/a   208M    24K        0B     24K             0B         0B',
      ),
    );
  });

  it('index column minimum width, left-aligned last column unpadded', () => {
    const cols: ColumnSpec[] = [
      NAME,
      { header: 'COMPRESS', align: 'left', minWidth: 14 }, // zstd-fast-1000
      num('RECSIZE'),
      { header: 'CREATION', align: 'left' },
    ];
    const rows = [
      ['tank', 'on', '128K', 'Tue Jan  7  9:05 2025'],
      ['tank/a', 'lz4', '128K', 'Tue Jan  7  9:06 2025'],
    ];
    expect(renderTable(cols, rows, HUMAN)).toBe(
      lines(
        'NAME    COMPRESS        RECSIZE  CREATION',
        'tank    on                 128K  Tue Jan  7  9:05 2025',
        'tank/a  lz4                128K  Tue Jan  7  9:06 2025',
      ),
    );
  });

  it('man page example (NAME sized by a longer row not shown there)', () => {
    const cols = [NAME, num('USED'), num('AVAIL'), num('REFER'), MOUNTPOINT];
    const rows = [
      ['pool', '450K', '457G', '18K', '/pool'],
      ['pool/home', '315K', '457G', '21K', '/export/home'],
      ['pool/home/bob@yesterday', '0B', '-', '18K', '-'],
    ];
    const out = renderTable(cols, rows, HUMAN).split('\n');
    expect(out[0]).toBe('NAME                      USED  AVAIL  REFER  MOUNTPOINT');
    expect(out[1]).toBe('pool                      450K   457G    18K  /pool');
    expect(out[2]).toBe('pool/home                 315K   457G    21K  /export/home');
  });

  it('-H: tabs, no header, no padding', () => {
    const cols = [NAME, num('USED')];
    expect(
      renderTable(cols, [['tank', '180K']], { ...HUMAN, scripted: true }),
    ).toBe('tank\t180K\n');
    const cols3 = [NAME, num('USED'), { header: 'CREATION', align: 'left' } as ColumnSpec];
    expect(
      renderTable(cols3, [['tank', '184320', '1736240700']], {
        ...HUMAN,
        scripted: true,
        parsable: true,
      }),
    ).toBe('tank\t184320\t1736240700\n');
  });

  it('-p widens fixed columns for zfs list', () => {
    const cols = [NAME, num('USED'), num('AVAIL')];
    const out = renderTable(cols, [['tank', '184320', '218103808']], {
      ...HUMAN,
      parsable: true,
    });
    expect(out).toBe(
      lines('NAME    USED      AVAIL', 'tank  184320  218103808'),
    );
  });

  it('fixed columns are not widened in human mode', () => {
    const cols = [NAME, num('QUOTA'), MOUNTPOINT];
    expect(columnWidths(cols, [['tank', 'none', '/tank']], HUMAN)).toEqual([4, 5, 10]);
    // "%*s" never truncates, it just overflows.
    expect(renderTable(cols, [['tank', '123456', '/t']], HUMAN)).toBe(
      lines('NAME  QUOTA  MOUNTPOINT', 'tank  123456  /t'),
    );
  });

  it('header-only alignment override (written@snap quirk)', () => {
    const cols: ColumnSpec[] = [
      NAME,
      { header: 'WRITTEN@S', align: 'right', minWidth: 9, fixed: true, headerAlign: 'left' },
      MOUNTPOINT,
    ];
    expect(renderTable(cols, [['tank', '24K', '/tank']], HUMAN)).toBe(
      lines('NAME  WRITTEN@S  MOUNTPOINT', 'tank        24K  /tank'),
    );
    // As the last column: left header unpadded, right values padded.
    const last: ColumnSpec[] = [NAME, { ...cols[1], minWidth: 10 }];
    expect(renderTable(last, [['tank', '24K']], HUMAN)).toBe(
      lines('NAME  WRITTEN@S', 'tank         24K'),
    );
  });
});

describe('zpool list layout (spec §9.2)', () => {
  it('default columns', () => {
    const nums = ['SIZE', 'ALLOC', 'FREE', 'CKPOINT', 'EXPANDSZ', 'FRAG', 'CAP', 'DEDUP'];
    const cols: ColumnSpec[] = [
      NAME,
      ...nums.map(num),
      { header: 'HEALTH', align: 'right', minWidth: 8, fixed: true },
      { header: 'ALTROOT', align: 'left' },
    ];
    const rows = [
      ['backup', '960M', '1.02M', '959M', '-', '-', '0%', '0%', '1.00x', 'ONLINE', '-'],
      ['tank', '240M', '105K', '240M', '-', '-', '0%', '0%', '1.00x', 'ONLINE', '-'],
    ];
    expect(renderTable(cols, rows, HUMAN)).toBe(
      lines(
        'NAME     SIZE  ALLOC   FREE  CKPOINT  EXPANDSZ   FRAG    CAP  DEDUP    HEALTH  ALTROOT',
        'backup   960M  1.02M   959M        -         -     0%     0%  1.00x    ONLINE  -',
        'tank     240M   105K   240M        -         -     0%     0%  1.00x    ONLINE  -',
      ),
    );
  });
});

describe('zfs get layout (spec §5.1)', () => {
  const GET: RenderOptions = { ...HUMAN, widenFixedWhenParsable: false };
  const getCols = (valueMin: number, valueFixed: boolean): ColumnSpec[] => [
    { header: 'NAME', align: 'left' },
    { header: 'PROPERTY', align: 'left' },
    { header: 'VALUE', align: 'left', minWidth: valueMin, fixed: valueFixed },
    { header: 'SOURCE', align: 'left' },
  ];

  it('zfs get -p used tank is misaligned (fixed VALUE not widened)', () => {
    const out = renderTable(getCols(5, true), [['tank', 'used', '184320', '-']], {
      ...GET,
      parsable: true,
    });
    expect(out).toBe(
      lines('NAME  PROPERTY  VALUE  SOURCE', 'tank  used      184320  -'),
    );
  });

  it('zfs get compression tank', () => {
    expect(
      renderTable(getCols(14, false), [['tank', 'compression', 'on', 'default']], GET),
    ).toBe(
      lines(
        'NAME  PROPERTY     VALUE           SOURCE',
        'tank  compression  on              default',
      ),
    );
  });

  it('zfs get -r com.x:y (user prop column widened by values)', () => {
    const rows = [
      ['rsq', 'com.x:y', 'hello', 'local'],
      ['rsq/A', 'com.x:y', 'hello', 'inherited from rsq'],
    ];
    const cols = getCols(7, false);
    // PROPERTY min width is 8 in get; NAME min 4 -> name width from values.
    expect(renderTable(cols, rows, GET).split('\n')[1]).toBe(
      'rsq    com.x:y   hello    local',
    );
    // The fuse-verified layout has NAME padded to 8 (longest dataset iterated,
    // incl. ones not shown): callers express that through minWidth.
    const wide = [{ ...cols[0], minWidth: 8 }, ...cols.slice(1)];
    expect(renderTable(wide, rows, GET)).toBe(
      lines(
        'NAME      PROPERTY  VALUE    SOURCE',
        'rsq       com.x:y   hello    local',
        'rsq/A     com.x:y   hello    inherited from rsq',
      ),
    );
  });

  it('zfs get -o all quota rsq/a', () => {
    const cols: ColumnSpec[] = [
      { header: 'NAME', align: 'left' },
      { header: 'PROPERTY', align: 'left' },
      { header: 'VALUE', align: 'left', minWidth: 5, fixed: true },
      { header: 'RECEIVED', align: 'left', minWidth: 8 },
      { header: 'SOURCE', align: 'left' },
    ];
    expect(renderTable(cols, [['rsq/a', 'quota', 'none', '-', 'local']], GET)).toBe(
      lines(
        'NAME   PROPERTY  VALUE  RECEIVED  SOURCE',
        'rsq/a  quota     none   -         local',
      ),
    );
  });

  it('-H -o value', () => {
    const cols: ColumnSpec[] = [{ header: 'VALUE', align: 'left', minWidth: 5, fixed: true }];
    expect(renderTable(cols, [['24K']], { ...GET, scripted: true })).toBe('24K\n');
  });
});

describe('edge cases', () => {
  it('no rows and no header gives empty string', () => {
    expect(renderTable([NAME], [], { ...HUMAN, header: false })).toBe('');
    expect(renderTable([NAME], [], { ...HUMAN, scripted: true })).toBe('');
  });

  it('header with no rows is still printed when asked for', () => {
    expect(renderTable([NAME, num('USED')], [], HUMAN)).toBe('NAME   USED\n');
  });

  it('header suppressed when header=false', () => {
    expect(renderTable([NAME, MOUNTPOINT], [['tank', '/tank']], { ...HUMAN, header: false })).toBe(
      'tank  /tank\n',
    );
  });

  it('scripted ignores header=true', () => {
    expect(renderTable([NAME], [['tank']], { ...HUMAN, scripted: true })).toBe('tank\n');
  });

  it('widths count UTF-8 bytes like strlen()', () => {
    const cols: ColumnSpec[] = [{ header: 'COM.X:Y', align: 'left' }, MOUNTPOINT];
    expect(renderTable(cols, [['é', '/a'], ['abcdefgh', '/b']], HUMAN)).toBe(
      lines('COM.X:Y   MOUNTPOINT', 'é        /a', 'abcdefgh  /b'),
    );
  });

  it('rejects rows with the wrong number of cells', () => {
    expect(() => renderTable([NAME, MOUNTPOINT], [['tank']], HUMAN)).toThrow(RangeError);
  });
});
