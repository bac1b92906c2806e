/** The property table against OpenZFS 2.3's enum order, and value validation. */
import { describe, expect, it } from 'vitest';
import { PropertyError, validateAssignment } from '../../../src/lib/properties/assign.js';
import { canonicalIndex, findProperty, PROPERTIES } from '../../../src/lib/properties/table.js';

// openzfs-reference.md §6, in enum order (zfs_prop_t), `name` being hidden.
const ENUM_ORDER = `type creation used available referenced compressratio mounted origin quota reservation volsize
volblocksize recordsize mountpoint sharenfs checksum compression atime devices exec setuid readonly zoned
snapdir aclmode aclinherit createtxg canmount xattr copies version utf8only normalization casesensitivity
vscan nbmand sharesmb refquota refreservation guid primarycache secondarycache usedbysnapshots
usedbydataset usedbychildren usedbyrefreservation defer_destroy userrefs logbias objsetid dedup mlslabel
sync dnodesize refcompressratio written clones logicalused logicalreferenced volmode filesystem_limit
snapshot_limit filesystem_count snapshot_count snapdev acltype context fscontext defcontext rootcontext
relatime redundant_metadata overlay receive_resume_token encryption keylocation keyformat pbkdf2iters
encryptionroot keystatus special_small_blocks redact_snaps snapshots_changed prefetch volthreading direct
longname`.split(/\s+/);

describe('property table', () => {
  it('declares every visible OpenZFS 2.3 property in enum order', () => {
    expect(PROPERTIES.filter((p) => !p.hidden).map((p) => p.name)).toEqual(ENUM_ORDER);
  });

  it('finds properties by lower-case column name only', () => {
    expect(findProperty('avail')?.name).toBe('available');
    expect(findProperty('usedsnap')?.name).toBe('usedbysnapshots');
    expect(findProperty('refreserv')?.name).toBe('refreservation');
    expect(findProperty('AVAIL')).toBeUndefined();
  });

  it('prints an index value as the first name of its number', () => {
    const compression = findProperty('compression')!;
    expect(canonicalIndex(compression, 'gzip-6')).toBe('gzip');
    expect(canonicalIndex(compression, 'zstd-fast-1')).toBe('zstd-fast');
    expect(canonicalIndex(findProperty('xattr')!, 'sa')).toBe('on');
    expect(canonicalIndex(findProperty('aclinherit')!, 'secure')).toBe('restricted');
    expect(canonicalIndex(compression, 'zstd-20')).toBeUndefined();
  });
});

describe('validateAssignment', () => {
  const err = (name: string, value: string, creating = false) => {
    try {
      validateAssignment(name, value, 'filesystem', creating);
    } catch (e) {
      if (e instanceof PropertyError) return e.message;
      throw e;
    }
    return null;
  };

  it('stores canonical values', () => {
    expect(validateAssignment('compress', 'gzip-6', 'filesystem')).toEqual({ name: 'compression', value: 'gzip' });
    expect(validateAssignment('checksum', 'blake3', 'filesystem')).toEqual({ name: 'checksum', value: 'blake3' });
    expect(validateAssignment('quota', 'none', 'filesystem')).toEqual({ name: 'quota', value: '0' });
    expect(validateAssignment('quota', '1.5G', 'filesystem')).toEqual({ name: 'quota', value: String(1.5 * 2 ** 30) });
    expect(validateAssignment('snapshot_limit', 'none', 'filesystem')).toEqual({ name: 'snapshot_limit', value: '18446744073709551615' });
    expect(validateAssignment('recsize', '64K', 'filesystem')).toEqual({ name: 'recordsize', value: '65536' });
  });

  it('rejects as libzfs does, in its order', () => {
    expect(err('checksum', 'crc32')).toBe("'checksum' must be one of 'on | off | fletcher2 | fletcher4 | sha256 | sha512 | skein | edonr | blake3'");
    expect(err('quota', '0')).toBe("use 'none' to disable quota/refquota");
    expect(err('utf8only', 'on')).toBe("'utf8only' is readonly");
    expect(err('utf8only', 'on', true)).toBeNull();
    expect(err('volsize', '1G')).toBe("'volsize' does not apply to datasets of this type");
    expect(err('name', 'x')).toBe("invalid property 'name'");
    expect(() => validateAssignment('used', '1', 'snapshot')).toThrow('this property can not be modified for snapshots');
    expect(validateAssignment('com.example:x', 'y', 'snapshot')).toEqual({ name: 'com.example:x', value: 'y' });
  });
});
