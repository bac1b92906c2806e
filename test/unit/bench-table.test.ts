/**
 * The bench reports (bench/lib.js printTable): markdown, the form README.md and bench/README.md
 * quote, when the output is not a terminal; a cli-table3 box on a terminal.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error bench/ is plain JavaScript without types
import { boxTable, markdownTable } from '../../bench/lib.js';

const HEAD = ['measurement', 'tszfs', 'baseline (same run)', 'tszfs/baseline'];
const ROWS = [
  ['write 1 GiB file', '1022 MB/s', 'cp: 3442 MB/s', '3.37x'],
  ['tszfs --version', '45 ms', 'node -e 0: 40 ms', '1.12x'],
  ['peak RSS', '', '', ''],
];

describe('bench report tables', () => {
  it('markdown, as README.md quotes it', () => {
    expect((markdownTable as (h: string[], r: string[][]) => string)(HEAD, ROWS)).toBe(
      [
        '| measurement      | tszfs     | baseline (same run) | tszfs/baseline |',
        '|------------------|-----------|---------------------|----------------|',
        '| write 1 GiB file | 1022 MB/s | cp: 3442 MB/s       | 3.37x          |',
        '| tszfs --version  | 45 ms     | node -e 0: 40 ms    | 1.12x          |',
        '| peak RSS         |           |                     |                |',
        '',
      ].join('\n'),
    );
  });

  it('a box on a terminal: a rule under the head, figures right-aligned, colour only when asked', () => {
    const box = (boxTable as (h: string[], r: string[][], colour: boolean) => string)(HEAD, ROWS, false);
    expect(box).toBe(
      [
        '┌──────────────────┬───────────┬─────────────────────┬────────────────┐',
        '│ measurement      │ tszfs     │ baseline (same run) │ tszfs/baseline │',
        '├──────────────────┼───────────┼─────────────────────┼────────────────┤',
        '│ write 1 GiB file │ 1022 MB/s │ cp: 3442 MB/s       │          3.37x │',
        '│ tszfs --version  │     45 ms │ node -e 0: 40 ms    │          1.12x │',
        '│ peak RSS         │           │                     │                │',
        '└──────────────────┴───────────┴─────────────────────┴────────────────┘',
        '',
      ].join('\n'),
    );
    const coloured = (boxTable as (h: string[], r: string[][], colour: boolean) => string)(HEAD, ROWS, true);
    expect(coloured).toContain('\u001b[');
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(box);
  });
});
