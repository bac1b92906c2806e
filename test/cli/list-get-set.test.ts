/**
 * list, get and set through the built binary: column layout, sort order, selection, sources,
 * JSON, and the error and usage paths, compared byte for byte with golden transcripts.
 */
import { describe, it } from 'vitest';
import { expectGolden, transcript, type Step } from './harness.js';

const KB = (n: number) => 'x'.repeat(n * 1024);

/**
 * tank with children whose names sort around each other (`a-b` and `a.b` before `a/c`), and
 * tank/a holding data with two snapshots, s2 taken before s1.
 */
const SETUP: Step[] = [
  ['pool', 'create', '--size', '256M', 'tank'],
  ['create', 'tank/a'],
  ['create', 'tank/A'],
  ['create', 'tank/a-b'],
  ['create', 'tank/a.b'],
  ['create', 'tank/a/c'],
  ['create', 'tank/b'],
  { args: ['write', 'tank/a', '/f'], input: KB(100) },
  ['snapshot', 'tank/a@s2'],
  { args: ['write', 'tank/a', '/f'], input: KB(300) },
  ['snapshot', 'tank/a@s1'],
  { args: ['write', 'tank/a/c', '/g'], input: KB(10) },
];

/** guid is random: keep its column width, hide its digits. */
const maskGuids = (text: string) =>
  text.replace(/^(\S+ +guid +)(\d+)( *)/gm, (_m, head: string, digits: string, pad: string) => head + '<guid>'.padEnd(digits.length + pad.length));

describe('zfs list', () => {
  it('columns, -H, -p, -o, sort order, types and depth', () => {
    expectGolden(
      'list-get-set/list',
      transcript([
        ...SETUP,
        ['list'],
        ['list', '-H'],
        ['list', '-p'],
        ['list', '-Hp', '-o', 'name,used,creation', 'tank'],
        ['list', '-o', 'name,recordsize,creation,createtxg', '-r', 'tank/a'],
        ['list', '-t', 'all'],
        ['list', '-t', 'snapshot', 'tank/a'],
        ['list', '-t', 'snap', '-o', 'name,written,refer'],
        ['list', 'tank/a@s1', 'tank/a', 'tank/a@s1'],
        ['list', '-r', 'tank/a'],
        ['list', '-d', '1', 'tank'],
        ['list', '-d', '1', '-t', 'all', 'tank/a'],
        ['list', '-d', '0'],
        ['list', '-o', 'space'],
        ['list', '-o', 'space', '-t', 'all', 'tank/a'],
        ['list', '-s', 'used', '-o', 'name,used,refer', '-t', 'all'],
        ['list', '-S', 'used', '-o', 'name,used,refer', '-t', 'all'],
        ['list', '-S', 'refer', '-s', 'name', '-o', 'name,refer,avail', '-t', 'all'],
        ['list', '-s', 'avail', '-o', 'name,avail', '-t', 'all', '-r', 'tank/a'],
        ['list', '-o', 'name,written@s2,written', '-t', 'all', '-r', 'tank/a'],
        ['list', '-Hponame,refer', '-Sused', '-tall', '-d1', 'tank/a'],
      ]),
    );
  });

  it('missing datasets, nothing to list, JSON and usage errors', () => {
    expectGolden(
      'list-get-set/list-errors',
      transcript([
        ...SETUP,
        ['list', 'tank/nope', 'tank/b', 'nopool'],
        ['list', '-t', 'snapshot', 'tank/b'],
        ['list', '-H', '-t', 'snapshot', 'tank/b'],
        ['list', '-t', 'filesystem', 'tank/a@s1'],
        ['list', 'tank/a@nope', 'tank/a#bm'],
        ['list', '/nonexistent/tszfs-path'],
        ['list', '-j', '-r', 'tank/a/c'],
        ['list', '-j', '--json-int', '-t', 'all', '-o', 'name,used,avail,mountpoint', 'tank/a@s2'],
        ['list', '-j', 'tank/b', 'tank/nope'],
        ['list', '-o', 'name,foo'],
        ['list', '-t', 'fs,bogus'],
        ['list', '-d', 'abc'],
        ['list', '-d', '-1'],
        ['list', '-s', 'foo'],
        ['list', '--json-int'],
        ['list', '-Q'],
        ['list', '-o'],
      ]),
    );
  });
});

describe('zfs get and zfs set', () => {
  it('layout, fields, -p, sources and inheritance', () => {
    expectGolden(
      'list-get-set/get',
      maskGuids(
        transcript([
          ...SETUP,
          ['get', 'used,recordsize,mountpoint', 'tank', 'tank/a@s1'],
          ['get', 'all', 'tank/a'],
          ['get', 'all', 'tank/a@s1'],
          ['get', '-o', 'value', 'used', 'tank/a'],
          ['get', '-H', '-o', 'value', 'used', 'tank/a'],
          ['get', '-p', 'used,refer', 'tank/a'],
          ['get', '-Hp', '-o', 'name,property,value', 'creation', 'tank'],
          ['get', '-o', 'all', 'recordsize', 'tank/a'],
          ['get', '-o', 'source,name,value', 'recsize,avail', 'tank/a', 'tank'],
          ['get', '-r', 'referenced', 'tank/a'],
          ['get', '-d', '1', 'name,type', 'tank'],
          ['get', '-t', 'snapshot', 'createtxg', 'tank/a'],
          ['get', 'used', 'tank/nope', 'tank/b'],
          ['get', '-j', 'used,mountpoint', 'tank/a', 'tank/a@s2'],
        ]),
      ),
    );
  });

  it('set and inheritance of recordsize, mountpoint, readonly and user properties', () => {
    expectGolden(
      'list-get-set/set',
      maskGuids(
        transcript([
          ...SETUP,
          ['set', 'recordsize=16K', 'mountpoint=/mnt', 'com.example:note=hello', 'tank'],
          ['set', 'readonly=on', 'recsize=1M', 'tank/a'],
          ['set', 'mountpoint=none', 'com.example:note=child', 'tank/a/c'],
          ['get', '-r', 'recordsize,mountpoint,readonly,com.example:note', 'tank'],
          ['get', '-s', 'local', '-r', 'all', 'tank'],
          ['get', '-s', 'inherited,default', 'readonly,mountpoint', 'tank/a', 'tank/b'],
          ['set', 'com.example:note=snapnote', 'com.example:other=x', 'tank/a@s1'],
          ['get', '-r', '-t', 'snapshot', 'com.example:note,com.example:other', 'tank'],
          ['list', '-o', 'name,com.example:note,mountpoint', '-S', 'com.example:note', '-t', 'all'],
          ['get', '-j', '-s', 'local', 'all', 'tank/a@s1'],
          ['set', 'mountpoint=/srv/', 'tank/b'],
          ['get', 'mountpoint', 'tank/b'],
          ['set', 'mountpoint=/', 'tank'],
          ['get', '-r', '-o', 'name,value,source', 'mountpoint', 'tank'],
        ]),
      ),
    );
  });

  it('set and get errors and exit codes', () => {
    expectGolden(
      'list-get-set/set-errors',
      transcript([
        ...SETUP,
        ['set'],
        ['set', 'a:b=c'],
        ['set', 'tank'],
        ['set', 'a:b=c', 'tank', 'd:e=f'],
        ['set', 'tank', 'a:b=c'],
        ['set', 'a:b=1', 'a:b=2', 'tank'],
        ['set', 'recordsize=3K', 'tank/a'],
        ['set', 'readonly=maybe', 'tank/a'],
        ['set', 'mountpoint=rel', 'tank/a'],
        ['set', 'used=5', 'tank/b', 'tank/a'],
        ['set', 'foo=bar', 'tank/a'],
        ['set', 'Bad:Name=1', 'tank/a'],
        ['set', 'recordsize=16K', 'tank/a@s1'],
        ['set', 'com.example:x=1', 'tank/nope', 'tank/b', 'tank/a@nope'],
        ['get', 'com.example:x', 'tank/b'],
        ['get'],
        ['get', 'foo', 'tank'],
        ['get', '-o', 'bogus', 'used', 'tank'],
        ['get', '-o', 'all,name', 'used', 'tank'],
        ['get', '-o', 'name,all', 'used', 'tank'],
        ['get', '-o', 'name,name,name,name,name,name', 'used', 'tank'],
        ['get', '-s', 'bogus', 'used', 'tank'],
        ['get', '-t', 'bogus', 'used', 'tank'],
        ['get', '-o'],
      ]),
    );
  });
});
