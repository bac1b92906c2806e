/**
 * chmod's modes (cli/format/modes.ts) against GNU chmod itself: each mode applied to files and
 * directories of several starting modes on the host (umask 022, as tszfs fixes it), the result
 * read back with stat. Dates of touch -d (cli/format/parse-date.ts) against GNU date.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseMode } from '../../../src/cli/format/modes.js';
import { parseDate } from '../../../src/cli/format/parse-date.js';

const MODES = ['755', '0644', '4755', '1777', 'u+x', 'go-w', 'a=rX', '+t', 'g=u', 'u+s,g+s', 'o=', 'a-x,u+w', '=r', '+x', '-w', 'ug=rwx,o=rx', 'u=rw,go=r', 'g+X', 'u-s', 'a+rwx', 'o+t,g-s'];
const STARTS = [0o644, 0o755, 0o6711, 0o1700, 0o000];

describe('chmod modes', () => {
  it('change bits as GNU chmod does, for files and directories', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-modes-'));
    try {
      const file = path.join(dir, 'f');
      const sub = path.join(dir, 'd');
      fs.writeFileSync(file, '');
      fs.mkdirSync(sub);
      for (const mode of MODES) {
        for (const start of STARTS) {
          for (const [target, isDir] of [[file, false], [sub, true]] as const) {
            fs.chmodSync(target, start);
            execFileSync('sh', ['-c', 'umask 022 && chmod -- "$0" "$1"', mode, target]);
            const gnu = fs.statSync(target).mode & 0o7777;
            expect(parseMode(mode).apply(start, isDir).toString(8), `${mode} on ${isDir ? 'dir' : 'file'} ${start.toString(8)}`).toBe(gnu.toString(8));
          }
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('touch -d dates', () => {
  it('are the instants GNU date reads, to the nanosecond', () => {
    for (const text of ['@1600000000.5', '@0', '2021-03-04 05:06:07.123456789', '2022-01-01', '1999-12-31T23:59:59Z', '2020-06-01 12:00 +02:00', '2020-06-01T12:00:00-0130', '1969-07-20 20:17:40']) {
      const gnu = execFileSync('date', ['-d', text, '+%s %N'], { env: { ...process.env, TZ: 'UTC' } }).toString().trim().split(' ').map(Number);
      expect(parseDate(text), text).toEqual(gnu);
    }
  });
});
