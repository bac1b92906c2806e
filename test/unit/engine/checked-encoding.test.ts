import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { open } from 'lmdb';
import { describe, expect, it } from 'vitest';
import { CheckedEncoder } from '../../../src/engine/store/checked-encoding.js';
import { Store } from '../../../src/engine/store/environment.js';

const record = { id: 7, name: 'tank/a', props: { 'com.example:x': 'y' }, checksum: new Uint8Array([1, 2, 3, 250]) };

const checkedEncoder = Object.assign(new CheckedEncoder(), { strict: true });

describe('LMDB values with a checksum', () => {
  it('round-trips, and a flipped byte anywhere in the value is an error, never a changed value', () => {
    const encoded = checkedEncoder.encode(record);
    expect(checkedEncoder.decode(encoded)).toEqual({ ...record, checksum: Buffer.from(record.checksum) });
    for (let i = 0; i < encoded.length; i++) {
      const damaged = Buffer.from(encoded);
      damaged[i] ^= 0x10;
      expect(() => checkedEncoder.decode(damaged), `byte ${i}`).toThrow('a metadata record fails its checksum');
    }
  });

  it('decodes only the value when lmdb-js passes a longer shared buffer and its length', () => {
    const encoded = checkedEncoder.encode(record);
    const shared = Buffer.concat([encoded, Buffer.from('trailing bytes of another value')]);
    expect(checkedEncoder.decode(shared, encoded.length)).toEqual({ ...record, checksum: Buffer.from(record.checksum) });
  });

  it('reads unmarked (plain msgpack) values only when not strict', () => {
    const lenient = new CheckedEncoder();
    const plain = Buffer.from([0x92, 0x01, 0x02]); // msgpack [1, 2]
    expect(lenient.decode(plain)).toEqual([1, 2]);
    expect(() => checkedEncoder.decode(plain)).toThrow('a metadata record fails its checksum');
  });

  it('reads the plain msgpack values of pools written before checksums', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tszfs-encoding-'));
    const file = path.join(dir, 'old.lmdb');
    try {
      const env = open({ path: file, noSubdir: true, maxDbs: 32 });
      env.openDB({ name: 'dirs', encoding: 'msgpack' }).putSync(7, record);
      env.close();
      const store = Store.open(file);
      try {
        expect(store.t.dirs.get(7)).toEqual({ ...record, checksum: Buffer.from(record.checksum) });
        // A value written now carries the checksum mark; the old one still reads beside it.
        store.write(() => store.t.dirs.putSync(8, { ...record, id: 8 }));
        expect(store.t.dirs.get(8)).toMatchObject({ id: 8 });
        expect(store.t.dirs.get(7)).toMatchObject({ id: 7 });
      } finally {
        store.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
