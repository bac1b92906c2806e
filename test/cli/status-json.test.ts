/**
 * `zpool status -j` (issue 15 item 4, issue 16 item 8): OpenZFS 2.3's status_callback_json
 * schema key for key, nested and flat (--json-flat-vdevs), strings, -p digits and --json-int
 * numbers, keyed by name or guid; a degraded mirror's states and aux; the -j-only options refused.
 */
import { describe, it } from 'vitest';
import { expectGolden, Sandbox, sparseDevices, transcript } from './harness.js';

describe('zpool status -j', () => {
  it('prints the pool, its vdev tree and classes as OpenZFS 2.3 does', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 6);
    expectGolden(
      'status-json',
      transcript(
        [
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'status', '-j', 'one'],
          ['pool', 'create', '--size', '64M', '-o', 'version=28', 'old'],
          ['pool', 'status', '-j', 'old'],
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'raidz1', d[2], d[3], d[4], 'spare', d[5]],
          { args: ['write', 'tank', '/f'], input: 'hello world\n'.repeat(20000) },
          ['pool', 'status', '-j', 'tank'],
          ['pool', 'status', '-jp', '--json-int', 'tank'],
          ['pool', 'status', '-j', '--json-flat-vdevs', '--json-pool-key-guid', 'tank'],
          ['pool', 'offline', 'tank', d[1]],
          ['pool', 'status', '-j', '-x'],
          ['pool', 'status', '--json-int', 'tank'],
          ['pool', 'status', '--json-flat-vdevs', 'tank'],
          ['pool', 'status', '--json-pool-key-guid', 'tank'],
        ],
        sb,
      ),
    );
  });

  it('zpool list -v shows every vdev with its columns, as text and as JSON', () => {
    const sb = new Sandbox();
    const d = sparseDevices(sb, 6);
    expectGolden(
      'list-verbose',
      transcript(
        [
          ['pool', 'create', '--size', '64M', 'one'],
          ['pool', 'create', 'tank', 'mirror', d[0], d[1], 'raidz1', d[2], d[3], d[4], 'spare', d[5]],
          { args: ['write', 'tank', '/f'], input: Buffer.alloc(1 << 20, 7) },
          ['pool', 'list', '-v'],
          ['pool', 'list', '-vH', 'tank'],
          ['pool', 'list', '-vp', 'tank'],
          ['pool', 'list', '-vj', 'one'],
          ['pool', 'list', '-v', 'nopool'],
          ['pool', 'list', '-vj', '--json-int', 'tank'],
        ],
        sb,
      ),
    );
  });
});
