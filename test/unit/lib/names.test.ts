import { describe, expect, it } from 'vitest';
import {
  checkDatasetName,
  checkPoolName,
  checkUserPropName,
  datasetDepth,
  type NameKind,
} from '../../../src/lib/names.js';

const FS: NameKind[] = ['filesystem'];
const SNAP: NameKind[] = ['snapshot'];
const BM: NameKind[] = ['bookmark'];
const ANY: NameKind[] = ['filesystem', 'snapshot', 'bookmark'];

const EMPTY = "empty component or misplaced '@' or '#' delimiter in name";

describe('checkDatasetName: spec §2.3 examples', () => {
  it('zfs create tank/a@b', () => {
    expect(checkDatasetName('tank/a@b', FS, true)).toBe(
      "snapshot delimiter '@' is not expected here",
    );
  });
  it("zfs create 'tank/a*b'", () => {
    expect(checkDatasetName('tank/a*b', FS, true)).toBe("invalid character '*' in name");
  });
  it('zfs create tank//a', () => {
    expect(checkDatasetName('tank//a', FS, true)).toBe(EMPTY);
  });
  it('zfs create tank/a/', () => {
    expect(checkDatasetName('tank/a/', FS, true)).toBe('trailing slash in name');
  });
  it('zfs create /tank/a', () => {
    expect(checkDatasetName('/tank/a', FS, true)).toBe('leading slash in name');
  });
  it('zfs list tank/%x passes validation when not modifying', () => {
    expect(checkDatasetName('tank/%x', FS, false)).toBeNull();
  });
  it('zfs snapshot tank@a@b', () => {
    expect(checkDatasetName('tank@a@b', SNAP, true)).toBe(
      "multiple '@' and/or '#' delimiters in name",
    );
  });
  it("zfs snapshot 'tank@x#y'", () => {
    expect(checkDatasetName('tank@x#y', SNAP, true)).toBe(
      "bookmark delimiter '#' is not expected here",
    );
  });
  it("zfs snapshot 'tank@a b' (space is legal)", () => {
    expect(checkDatasetName('tank@a b', SNAP, true)).toBeNull();
  });
});

describe('checkDatasetName: type pre-checks', () => {
  it('missing delimiters when only one kind is allowed', () => {
    expect(checkDatasetName('tank', SNAP, true)).toBe("missing '@' delimiter in snapshot name");
    expect(checkDatasetName('tank', BM, true)).toBe("missing '#' delimiter in bookmark name");
    // A mixed mask does not demand a delimiter.
    expect(checkDatasetName('tank', ['filesystem', 'snapshot'], false)).toBeNull();
  });
  it('accepts a ReadonlySet as well as an array', () => {
    expect(checkDatasetName('tank@s', new Set<NameKind>(['snapshot']), true)).toBeNull();
    expect(checkDatasetName('tank#b', new Set<NameKind>(['bookmark']), true)).toBeNull();
  });
  it("'@' check comes before '#' check", () => {
    expect(checkDatasetName('tank@a#b', FS, true)).toBe(
      "snapshot delimiter '@' is not expected here",
    );
  });
  it('% only rejected when modifying, without quotes', () => {
    expect(checkDatasetName('tank/a%b', FS, true)).toBe('invalid character % in name');
    expect(checkDatasetName('tank/a%b', FS, false)).toBeNull();
    // type checks run first
    expect(checkDatasetName('tank%@s', FS, true)).toBe(
      "snapshot delimiter '@' is not expected here",
    );
  });
});

describe('checkDatasetName: entity checks', () => {
  it('empty components', () => {
    for (const n of ['', 'tank@', '@s', 'tank/@s', '#b', 'tank#']) {
      expect(checkDatasetName(n, ANY, false), n).toBe(EMPTY);
    }
  });
  it('slash inside the snapshot part is a "trailing slash"', () => {
    expect(checkDatasetName('tank@a/b', SNAP, true)).toBe('trailing slash in name');
    expect(checkDatasetName('tank#a/b', BM, true)).toBe('trailing slash in name');
  });
  it('self and parent references', () => {
    expect(checkDatasetName('tank/.', FS, true)).toBe("self reference, '.' is found in name");
    expect(checkDatasetName('tank/..', FS, true)).toBe("parent reference, '..' is found in name");
    expect(checkDatasetName('tank/./a', FS, true)).toBe("self reference, '.' is found in name");
    expect(checkDatasetName('tank@.', SNAP, true)).toBe("self reference, '.' is found in name");
    // only whole components
    expect(checkDatasetName('tank/.a', FS, true)).toBeNull();
    expect(checkDatasetName('tank/...', FS, true)).toBeNull();
    // '.' before a delimiter is not checked (C only checks at '/' or end)
    expect(checkDatasetName('tank/.@s', SNAP, true)).toBeNull();
  });
  it('multiple delimiters', () => {
    expect(checkDatasetName('tank@a#b', ANY, false)).toBe(
      "multiple '@' and/or '#' delimiters in name",
    );
    // '@@' is reported as multiple delimiters, not as an empty component
    expect(checkDatasetName('tank@@', SNAP, false)).toBe(
      "multiple '@' and/or '#' delimiters in name",
    );
  });
  it('per-component order follows the C code', () => {
    // invalid char in an earlier component wins over a later trailing slash
    expect(checkDatasetName('tank/a*b/', FS, true)).toBe("invalid character '*' in name");
    // self reference is detected before the trailing slash
    expect(checkDatasetName('tank/./', FS, true)).toBe("self reference, '.' is found in name");
  });
  it('allowed characters', () => {
    expect(checkDatasetName('Tank_1/a-b.c:d e', FS, true)).toBeNull();
    expect(checkDatasetName('tank/a$b', FS, true)).toBe("invalid character '$' in name");
    expect(checkDatasetName('tank/a\tb', FS, true)).toBe("invalid character '\t' in name");
  });
});

describe('checkDatasetName: length and nesting', () => {
  it('255 bytes ok, 256 bytes too long', () => {
    const n255 = 'tank/' + 'a'.repeat(250);
    expect(n255).toHaveLength(255);
    expect(checkDatasetName(n255, FS, true)).toBeNull();
    expect(checkDatasetName(n255 + 'a', FS, true)).toBe('name is too long');
    // snapshot part counts toward the total
    expect(checkDatasetName('tank/' + 'a'.repeat(248) + '@s', SNAP, true)).toBeNull();
    expect(checkDatasetName('tank/' + 'a'.repeat(249) + '@s', SNAP, true)).toBe(
      'name is too long',
    );
  });
  it('length is checked before the leading slash', () => {
    expect(checkDatasetName('/' + 'a'.repeat(255), FS, true)).toBe('name is too long');
  });
  it('length counts UTF-8 bytes', () => {
    expect(checkDatasetName('é'.repeat(128), FS, false)).toBe('name is too long');
  });
  it('nesting depth: 49 slashes ok, 50 rejected only when modifying', () => {
    const depth = (n: number): string => Array(n + 1).fill('a').join('/');
    expect(datasetDepth(depth(49))).toBe(49);
    expect(checkDatasetName(depth(49), FS, true)).toBeNull();
    expect(checkDatasetName(depth(50), FS, true)).toBe('maximum name nesting depth exceeded');
    expect(checkDatasetName(depth(50), FS, false)).toBeNull();
    // slashes after '@' are not nesting (and are invalid anyway)
    expect(datasetDepth('a/b@c/d')).toBe(1);
    expect(checkDatasetName(depth(50) + '@s', SNAP, true)).toBe(
      'maximum name nesting depth exceeded',
    );
  });
});

describe('checkPoolName', () => {
  it('spec §2.3 examples', () => {
    expect(checkPoolName('1pool', true)).toBe('name must begin with a letter');
    expect(checkPoolName('tank/x', true)).toBe("invalid character '/' in pool name");
  });
  it('valid names', () => {
    expect(checkPoolName('tank', true)).toBeNull();
    expect(checkPoolName('Tank-1_a.b:c d', true)).toBeNull();
  });
  it('invalid characters are checked before the first letter', () => {
    expect(checkPoolName('1a*', true)).toBe("invalid character '*' in pool name");
    expect(checkPoolName('tank%', false)).toBe("invalid character '%' in pool name");
    expect(checkPoolName('tank@s', false)).toBe("invalid character '@' in pool name");
    expect(checkPoolName('/tank', false)).toBe("invalid character '/' in pool name");
  });
  it('must begin with a letter', () => {
    expect(checkPoolName('', false)).toBe('name must begin with a letter');
    expect(checkPoolName('_tank', false)).toBe('name must begin with a letter');
    expect(checkPoolName(' tank', false)).toBe('name must begin with a letter');
  });
  it('always-reserved names', () => {
    for (const n of ['mirror', 'raidz', 'draid']) {
      expect(checkPoolName(n, false), n).toBe('name is reserved');
      expect(checkPoolName(n, true), n).toBe('name is reserved');
    }
  });
  it('reserved prefixes only when creating', () => {
    for (const n of ['mirror1', 'raidz1x', 'draid2', 'spare', 'spares', 'log']) {
      expect(checkPoolName(n, true), n).toBe('name is reserved');
      expect(checkPoolName(n, false), n).toBeNull();
    }
    expect(checkPoolName('logs', true)).toBeNull();
    expect(checkPoolName('Mirror', true)).toBeNull();
  });
  it('names must be shorter than 240 bytes', () => {
    expect(checkPoolName('a'.repeat(239), true)).toBeNull();
    expect(checkPoolName('a'.repeat(240), true)).toBe('name is too long');
    expect(checkPoolName('1'.repeat(240), false)).toBe('name is too long');
  });
});

describe('checkUserPropName', () => {
  it('valid names', () => {
    expect(checkUserPropName('com.example:note')).toBeNull();
    expect(checkUserPropName('a:b')).toBeNull();
    expect(checkUserPropName(':')).toBeNull();
    expect(checkUserPropName('org_x-1.2:y_z-3')).toBeNull();
  });
  it('must contain a colon and only [a-z0-9:._-]', () => {
    expect(checkUserPropName('foo')).toBe("invalid property 'foo'");
    expect(checkUserPropName('com.X:y')).toBe("invalid property 'com.X:y'");
    expect(checkUserPropName('com x:y')).toBe("invalid property 'com x:y'");
    expect(checkUserPropName('a@b:c')).toBe("invalid property 'a@b:c'");
    expect(checkUserPropName('')).toBe("invalid property ''");
  });
  it('length limit 255', () => {
    const ok = 'a:' + 'b'.repeat(253);
    expect(checkUserPropName(ok)).toBeNull();
    expect(checkUserPropName(ok + 'b')).toBe(`property name '${ok}b' is too long`);
  });
});
