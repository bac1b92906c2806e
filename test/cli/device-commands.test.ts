/**
 * Device commands of issue 15 item 4 that only report: `zpool resilver` (nothing needs one: a
 * device is resilvered before the command that brings it back returns; refused without
 * resilver_defer as spa_scan refuses) and `zpool wait` (returns at once; its grammar refusals).
 */
import { describe, it } from 'vitest';
import { expectGolden, transcript } from './harness.js';

describe('zpool resilver and wait', () => {
  it('answer as OpenZFS does when nothing is in progress', () => {
    expectGolden(
      'device-commands',
      transcript([
        ['pool', 'create', '--size', '64M', 'tank'],
        ['pool', 'create', '--size', '64M', '-o', 'version=28', 'old'],
        ['pool', 'resilver', 'tank'],
        ['pool', 'resilver', 'old', 'tank'],
        ['pool', 'resilver', 'nopool'],
        ['pool', 'resilver'],
        ['pool', 'wait', 'tank'],
        ['pool', 'wait', '-t', 'scrub,resilver', 'tank', '5'],
        ['pool', 'wait', '-t', 'scrub,bogus', 'tank'],
        ['pool', 'wait', 'tank', '1', '2'],
        ['pool', 'wait', 'tank', 'old'],
        ['pool', 'wait'],
        ['pool', 'wait', 'nopool'],
        ['pool', 'wait', '-T', 'x', 'tank'],
      ]),
    );
  });
});
