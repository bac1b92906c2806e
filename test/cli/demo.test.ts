/**
 * The README's first command runs demo/container-layers.sh; this test runs the same script and
 * holds its whole output to test/cli/golden/demo.txt, so the numbers the README shows are the
 * numbers the build produces. The golden numbers were checked by hand against the accounting
 * rules (zfs-dsl-semantics.md): base refers 1M + 256K + 2 x 4K, the app layer is charged exactly
 * one 128K record for its 4K patch and nothing for the file it removed, the container 4K.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectGolden, ROOT } from './harness.js';

describe('demo/container-layers.sh', () => {
  let tmp: string;

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-demo-test-'));
  });

  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('prints the golden transcript and leaves no pool behind', () => {
    // Whatever the caller's environment says, the demo must pick its own home, clock and zone.
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, NO_COLOR: '1' };
    delete env.TSZFS_HOME;
    delete env.TSZFS_NOW;
    delete env.TZ;
    const r = spawnSync('bash', [path.join(ROOT, 'demo/container-layers.sh')], { env, encoding: 'utf8' });

    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expectGolden('demo', r.stdout);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
