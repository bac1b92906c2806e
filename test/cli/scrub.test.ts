/**
 * `zpool scrub -e` (error scrub), `-C` (continue from last_scrubbed_txg), `-w`, `-p`, `-s`, and
 * `zpool status -x`, which shows only pools with data errors or error counts. Golden transcripts.
 */
import { describe, expect, it } from 'vitest';
import { poolProblems } from '../engine/check-helper.js';
import { expectGolden, Sandbox } from './harness.js';
import { damage, pattern, script, type Step } from './integrity-support.js';

describe('scrub -e, scrub -C and status -x', () => {
  it('an error scrub re-reads the error log; -C scrubs only blocks born since the last scrub; -x shows unhealthy pools', () => {
    const sb = new Sandbox();
    const steps: Step[] = [
      ['pool', 'create', '--size', '128M', 'tank'],
      ['pool', 'create', '--size', '64M', 'other'],
      ['pool', 'status', '-x'],
      ['pool', 'status', '-x', 'tank', 'other'],
      ['create', 'tank/a'],
      { args: ['write', 'tank/a', '/f'], input: pattern(300000, 1) },
      ['pool', 'scrub', '-w', 'tank'],
      ['pool', 'get', 'last_scrubbed_txg', 'tank'],
      ['pool', 'scrub', '-e', 'tank'],
      { note: 'flip 16 bytes in block 1 of tank/a:/f', act: () => damage(sb.home, 'tank/a', 'f', 1) },
      ['pool', 'scrub', '-C', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      { args: ['write', 'tank/a', '/h'], input: pattern(9000, 2) },
      { note: 'flip 16 bytes in block 0 of tank/a:/h', act: () => damage(sb.home, 'tank/a', 'h', 0) },
      ['pool', 'scrub', '-C', 'tank'],
      ['pool', 'get', 'last_scrubbed_txg', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', '-x'],
      ['pool', 'status', '-xv', 'other', 'tank'],
      { args: ['write', 'tank/a', '/h'], input: pattern(9000, 3) },
      ['pool', 'scrub', '-e', 'tank'],
      ['pool', 'status', '-v', 'tank'],
      ['rm', 'tank/a', '/f'],
      ['pool', 'scrub', '-e', '-w', 'tank'],
      ['pool', 'status', '-x'],
      ['pool', 'scrub', '-e', 'tank'],
      ['pool', 'clear', 'tank'],
      ['pool', 'status', '-x'],
      ['pool', 'status', '-x', 'tank'],
      ['pool', 'scrub', 'tank'],
      ['pool', 'status', 'tank'],
      ['pool', 'scrub', '-p', 'tank'],
      ['pool', 'scrub', '-e', '-p', 'tank'],
      ['pool', 'scrub', '-e', '-s', 'tank'],
      ['pool', 'scrub', '-e', '-C', 'tank'],
      ['pool', 'scrub', '-p', '-C', 'tank'],
      ['pool', 'scrub', '-s', '-C', 'tank'],
      ['pool', 'scrub', '-w', '-p', 'tank'],
      ['pool', 'scrub', '-e', 'nope'],
      ['pool', 'history', 'tank'],
    ];
    try {
      expectGolden('scrub-error-continue', script(sb, steps));
      expect(poolProblems(sb.home)).toEqual([]);
    } finally {
      sb.cleanup();
    }
  });
});
