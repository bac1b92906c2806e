/**
 * Kill -9 while `receive -s` keeps a stream cut short: afterwards the destination is either not
 * there (as before) or there with its whole partial state, which `send -t` then completes; the
 * pool check finds nothing leaked either way.
 */
import { expect, it } from 'vitest';
import { Sandbox } from '../cli/harness.js';
import { poolProblems } from './check-helper.js';
import { pattern, runToDie, Saved } from './crash-support.js';

const R = 131072;

it('receive -s of a cut stream, killed at each step, keeps all of the partial state or none', async () => {
  const sb = new Sandbox({ spawn: true });
  try {
    sb.ok(['pool', 'create', '--size', '64M', 'tank']);
    sb.ok(['create', 'tank/a']);
    sb.ok(['write', 'tank/a', '/big'], pattern(6 * R, 3));
    sb.ok(['snapshot', 'tank/a@s']);
    const cut = sb.bytesOf(['send', 'tank/a@s']).subarray(0, 4 * R);
    const saved = new Saved(sb.home);
    const outcomes = new Set<string>();
    for (const step of ['allocate', 'image-write', 'image-sync', 'commit', 'committed']) {
      saved.restore();
      const o = await runToDie(sb, ['receive', '-s', 'tank/r'], cut, { crashAt: step });
      expect(o.code === 1 || o.killed, `${step}: exit ${o.code}`).toBe(true);
      expect(poolProblems(sb.home), step).toEqual([]);
      if (sb.run(['list', 'tank/r']).status !== 0) {
        outcomes.add('before');
        continue;
      }
      outcomes.add('kept');
      const token = sb.ok(['get', '-H', '-o', 'value', 'receive_resume_token', 'tank/r']).trim();
      sb.ok(['receive', '-s', 'tank/r'], sb.bytesOf(['send', '-t', token]));
      expect(sb.bytesOf(['cat', 'tank/r', '/big']).equals(pattern(6 * R, 3)), step).toBe(true);
      expect(poolProblems(sb.home), step).toEqual([]);
    }
    expect([...outcomes].sort()).toEqual(['before', 'kept']);
  } finally {
    sb.cleanup();
  }
});
