/**
 * `zpool split` killed at any instant (issue 15 item 4): the old pool is intact (split or not, its
 * data whole and its space sound), and there is either no new pool or a complete one, importable
 * with the same data. A split that did not happen can be run again.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pattern, Sandbox, sparseDevices } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';
import { random, runToDie } from './crash-support.js';

const SOAK = process.env.TSZFS_SOAK === '1';
const TIMED_TRIALS = SOAK ? 60 : 4;
// The copy's own transaction passes commit/committed first; the split's passes them again.
const STEPS = ['commit', 'split-copied', 'committed', 'split-labels', 'split-new-labels', 'split-renamed'];

function setup(): { sb: Sandbox; data: Buffer; args: string[] } {
  const sb = new Sandbox();
  const d = sparseDevices(sb, 4);
  sb.ok(['pool', 'create', 'tank', 'mirror', d[0], d[1], 'mirror', d[2], d[3]]);
  sb.ok(['create', 'tank/a']);
  const data = pattern(1 << 20, 9);
  sb.ok(['write', 'tank/a', '/f'], data);
  sb.ok(['snapshot', 'tank/a@s']);
  return { sb, data, args: ['pool', 'split', 'tank', 'new'] };
}

describe('zpool split under kill -9', () => {
  it('leaves the old pool intact and no new pool or a complete one', async () => {
    const first = setup();
    const full = await runToDie(first.sb, first.args, undefined, {});
    expect(full.code).toBe(0);
    first.sb.cleanup();
    const rand = random(1515);
    const trials: Array<{ crashAt?: string; delayMs?: number }> = [
      ...STEPS.map((crashAt) => ({ crashAt })),
      ...Array.from({ length: TIMED_TRIALS }, () => ({ delayMs: Math.floor(full.ms * (0.2 + 0.9 * rand())) })),
    ];
    const seen = new Set<string>();
    for (const trial of trials) {
      const { sb, data, args } = setup();
      try {
        const outcome = await runToDie(sb, args, undefined, trial);
        const label = `${JSON.stringify(trial)} -> ${JSON.stringify(outcome)}`;
        expect(outcome.code === 0 || outcome.killed, label).toBe(true);
        // The old pool: whole, its data read back, its space sound.
        expect(sb.bytesOf(['cat', 'tank/a', '/f']).equals(data), label).toBe(true);
        expect(poolProblems(sb.home), label).toEqual([]);
        const split = !sb.ok(['pool', 'status', 'tank']).includes('mirror-0');
        const imported = sb.run(['pool', 'import', '-d', sb.home, 'new']);
        if (imported.status === 0) {
          expect(split, label).toBe(true);
          expect(sb.bytesOf(['cat', 'new/a@s', '/f']).equals(data), label).toBe(true);
          expect(poolProblems(sb.home, 'new'), label).toEqual([]);
          sb.ok(['write', 'new/a', '/g'], 'new pool works\n');
          seen.add('complete');
        } else {
          expect(imported, label).toEqual({ stdout: '', stderr: "cannot import 'new': no such pool available\n", status: 1 });
          // No split: it can be run again, and then the new pool is whole.
          if (!split) {
            sb.ok(args);
            sb.ok(['pool', 'import', '-d', sb.home, 'new']);
            expect(sb.bytesOf(['cat', 'new/a', '/f']).equals(data), label).toBe(true);
            seen.add('none');
          } else seen.add('split, no new pool');
        }
        sb.ok(['write', 'tank/a', '/g'], 'old pool works\n');
        // Nothing half-built is left beside the devices once the new pool is complete.
        if (imported.status === 0) expect(fs.readdirSync(sb.home).filter((f) => f.endsWith('.split')), label).toEqual([]);
      } finally {
        sb.cleanup();
      }
    }
    expect(seen.has('none') && seen.has('complete')).toBe(true);
  }, 300_000);
});
