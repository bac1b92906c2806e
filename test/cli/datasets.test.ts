/** create, snapshot, clone, destroy through the built binary: output, errors and exit codes. */
import { describe, it } from 'vitest';
import { expectGolden, transcript } from './harness.js';

const POOL = ['pool', 'create', '--size', '256M', 'tank'];

describe('dataset commands', () => {
  it('create: names, parents and existing datasets', () => {
    expectGolden(
      'create-errors',
      transcript([
        POOL,
        ['create', 'tank'],
        ['create', 'tank/a@b'],
        ['create', 'nopool/a'],
        ['create', 'tank/x/y'],
        ['create', 'tank/a*b'],
        ['create', 'tank//a'],
        ['create', '-o', 'foo=bar', 'tank/a'],
        ['create', '-o', 'used=1', 'tank/a'],
        ['create', '-o', 'recordsize=3K', 'tank/a'],
        ['create', '-o', 'readonly=maybe', 'tank/a'],
        ['create', '-o', 'recordsize', 'tank/a'],
        ['create', '-p', 'tank/x/y'],
        ['create', '-p', 'tank/x/y'],
        ['create', 'tank/x'],
        ['create'],
        ['create', 'tank/p', 'tank/q'],
        ['create', '-Q', 'tank/a'],
      ]),
    );
  });

  it('snapshot: several at once, all or none, -r', () => {
    expectGolden(
      'snapshot',
      transcript([
        POOL,
        ['create', '-p', 'tank/a/b'],
        ['snapshot', 'tank/a@s1', 'tank/a/b@s1'],
        ['snapshot', 'tank/nope@s'],
        ['snapshot', 'tank/a'],
        ['snapshot'],
        ['snapshot', 'tank/a@s1'],
        ['snapshot', 'tank/a@s2', 'tank/a@s3'],
        ['snapshot', '-r', 'tank@s1'],
        ['snapshot', 'tank/a@bad*'],
        ['snapshot', '-r', 'tank@s2'],
        ['snap', 'tank/a/b@s3'],
        ['snapshot', '-o', 'compression=on', 'tank/a@p1'],
        ['snapshot', '-o', 'foo=bar', 'tank/a@p2'],
        ['snapshot', '-o', 'Com.example:x=1', 'tank/a@p3'],
        ['snapshot', '-o', 'com.example:x=1', 'tank/a@p4'],
        ['list', '-H', '-t', 'snapshot', '-o', 'name,com.example:x', 'tank/a'],
        ['destroy', 'tank/a'],
      ]),
    );
  });

  it('clone and destroy: dependents, -r and -R', () => {
    expectGolden(
      'clone-destroy',
      transcript([
        POOL,
        ['create', 'tank/base'],
        { args: ['write', 'tank/base', '/f'], input: 'base\n' },
        ['snapshot', 'tank/base@v1'],
        ['clone', 'tank/base', 'tank/c'],
        ['clone', 'tank/base@nope', 'tank/c'],
        ['clone', 'tank/base@v1', 'other/c'],
        ['clone', 'tank/base@v1', 'tank/x/c'],
        ['clone', 'tank/base@v1', 'tank/layer'],
        ['clone', 'tank/base@v1', 'tank/layer'],
        ['clone', '-p', 'tank/base@v1', 'tank/layer'],
        ['clone', '-p', 'tank/base@v1', 'tank/x/c'],
        ['cat', 'tank/x/c', '/f'],
        ['destroy', 'tank/base@v1'],
        ['destroy', 'tank/base'],
        ['destroy', '-r', 'tank/base'],
        ['destroy', 'tank/base@nope'],
        ['destroy', 'tank/nope'],
        ['destroy', 'tank'],
        ['destroy', 'tank/layer'],
        ['destroy', '-R', 'tank/base'],
        ['cat', 'tank/x/c', '/f'],
        ['create', 'tank/s'],
        ['snapshot', 'tank/s@a'],
        ['snapshot', 'tank/s@b'],
        ['snapshot', 'tank/s@c'],
        ['snapshot', 'tank/s@d'],
        ['snapshot', 'tank/s@e'],
        ['destroy', 'tank/s@b%c'],
        ['destroy', 'tank/s@a,d,nope'],
        ['destroy', 'tank/s@a'],
        ['destroy', 'tank/s'],
        ['destroy', 'tank/s@%'],
        ['destroy', '-r', 'tank'],
        ['destroy', 'tank/s'],
      ]),
    );
  });
});
