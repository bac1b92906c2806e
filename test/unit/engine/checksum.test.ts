/** fletcher2 and fletcher4 against direct BigInt transcriptions of OpenZFS's fletcher_2_native and
 *  fletcher_4_native; BLAKE3 and SHA-512/256 against published vectors; the dispatch by algorithm. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blake3 } from '../../../src/engine/blocks/blake3.js';
import { edonr512, edonrChecksum } from '../../../src/engine/blocks/edonr.js';
import { skein512, skein512Init } from '../../../src/engine/blocks/skein.js';
import { algorithmFor, checksumMatches, checksumOf, fletcher2, fletcher4 } from '../../../src/engine/blocks/checksum.js';
import type { ChecksumAlgorithm } from '../../../src/engine/store/records.js';

function reference(data: Buffer): Buffer {
  const M = (1n << 64n) - 1n;
  let a = 0n, b = 0n, c = 0n, d = 0n;
  for (let i = 0; i + 4 <= data.length; i += 4) {
    a = (a + BigInt(data.readUInt32LE(i))) & M;
    b = (b + a) & M;
    c = (c + b) & M;
    d = (d + c) & M;
  }
  const out = Buffer.alloc(32);
  [a, b, c, d].forEach((x, i) => out.writeBigUInt64LE(x, i * 8));
  return out;
}

describe('fletcher4', () => {
  it('matches the 64-bit definition where the sums wrap (all 0xff, 1M) and on zeros', () => {
    for (const [size, fill] of [[1 << 20, 0xff], [131072, 0xff], [512, 0], [4096, 0x80]] as const) {
      const data = Buffer.alloc(size, fill);
      expect(fletcher4(data).equals(reference(data))).toBe(true);
    }
  });

  it('matches on random blocks, aligned or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.integer({ min: 0, max: 3 }), (bytes, shift) => {
        const data = Buffer.alloc(bytes.length - (bytes.length % 4) + shift);
        Buffer.from(bytes).copy(data, shift);
        const view = data.subarray(shift);
        expect(fletcher4(view).equals(reference(view))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

});

function fletcher2Reference(data: Buffer): Buffer {
  const M = (1n << 64n) - 1n;
  let a0 = 0n, a1 = 0n, b0 = 0n, b1 = 0n;
  for (let i = 0; i + 16 <= data.length; i += 16) {
    a0 = (a0 + data.readBigUInt64LE(i)) & M;
    a1 = (a1 + data.readBigUInt64LE(i + 8)) & M;
    b0 = (b0 + a0) & M;
    b1 = (b1 + a1) & M;
  }
  const out = Buffer.alloc(32);
  [a0, a1, b0, b1].forEach((x, i) => out.writeBigUInt64LE(x, i * 8));
  return out;
}

describe('fletcher2', () => {
  it('matches the 64-bit definition where the sums wrap (all 0xff, 1M) and on zeros', () => {
    for (const [size, fill] of [[1 << 20, 0xff], [131072, 0xff], [512, 0], [4096, 0x80]] as const) {
      const data = Buffer.alloc(size, fill);
      expect(fletcher2(data).equals(fletcher2Reference(data))).toBe(true);
    }
  });

  it('matches on random blocks, aligned or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 5000 }), fc.integer({ min: 0, max: 3 }), (bytes, shift) => {
        const data = Buffer.alloc(bytes.length - (bytes.length % 16) + shift);
        Buffer.from(bytes).copy(data, shift);
        const view = data.subarray(shift);
        expect(fletcher2(view).equals(fletcher2Reference(view))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

/** BLAKE3's official vectors (test_vectors.json, as OpenZFS's tests/zfs-tests/cmd/checksum/blake3_test.c
 *  holds them): input byte i is i % 251; the first 32 bytes of `hash` and of `keyed_hash` (key
 *  "whats the Elvish word for friend", OpenZFS's test salt). */
const BLAKE3_VECTORS: Array<[length: number, hash: string, keyed: string]> = [
  [0, 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262', '92b2b75604ed3c761f9d6f62392c8a9227ad0ea3f09573e783f1498a4ed60d26'],
  [1, '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213', '6d7878dfff2f485635d39013278ae14f1454b8c0a3a2d34bc1ab38228a80c95b'],
  [63, 'e9bc37a594daad83be9470df7f7b3798297c3d834ce80ba85d6e207627b7db7b', 'bb1eb5d4afa793c1ebdd9fb08def6c36d10096986ae0cfe148cd101170ce37ae'],
  [64, '4eed7141ea4a5cd4b788606bd23f46e212af9cacebacdc7d1f4c6dc7f2511b98', 'ba8ced36f327700d213f120b1a207a3b8c04330528586f414d09f2f7d9ccb7e6'],
  [65, 'de1e5fa0be70df6d2be8fffd0e99ceaa8eb6e8c93a63f2d8d1c30ecb6b263dee', 'c0a4edefa2d2accb9277c371ac12fcdbb52988a86edc54f0716e1591b4326e72'],
  [1023, '10108970eeda3eb932baac1428c7a2163b0e924c9a9e25b35bba72b28f70bd11', 'c951ecdf03288d0fcc96ee3413563d8a6d3589547f2c2fb36d9786470f1b9d6e'],
  [1024, '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7', '75c46f6f3d9eb4f55ecaaee480db732e6c2105546f1e675003687c31719c7ba4'],
  [1025, 'd00278ae47eb27b34faecf67b4fe263f82d5412916c1ffd97c8cb7fb814b8444', '357dc55de0c7e382c900fd6e320acc04146be01db6a8ce7210b7189bd664ea69'],
  [2048, 'e776b6028c7cd22a4d0ba182a8bf62205d2ef576467e838ed6f2529b85fba24a', '879cf1fa2ea0e79126cb1063617a05b6ad9d0b696d0d757cf053439f60a99dd1'],
  [2049, '5f4d72f40d7a5f82b15ca2b2e44b1de3c2ef86c426c95c1af0b6879522563030', '9f29700902f7c86e514ddc4df1e3049f258b2472b6dd5267f61bf13983b78dd5'],
  [3072, 'b98cb0ff3623be03326b373de6b9095218513e64f1ee2edd2525c7ad1e5cffd2', '044a0e7b172a312dc02a4c9a818c036ffa2776368d7f528268d2e6b5df191770'],
  [3073, '7124b49501012f81cc7f11ca069ec9226cecb8a2c850cfe644e327d22d3e1cd3', '68dede9bef00ba89e43f31a6825f4cf433389fedae75c04ee9f0cf16a427c95a'],
  [4096, '015094013f57a5277b59d8475c0501042c0b642e531b0a1c8f58d2163229e969', 'befc660aea2f1718884cd8deb9902811d332f4fc4a38cf7c7300d597a081bfc0'],
  [5121, '628bd2cb2004694adaab7bbd778a25df25c47b9d4155a55f8fbd79f2fe154cff', '6ccf1c34753e7a044db80798ecd0782a8f76f33563accaddbfbb2e0ea4b2d024'],
  [7169, 'a003fc7a51754a9b3c7fae0367ab3d782dccf28855a03d435f8cfe74605e7817', 'ed9b1a922c046fdb3d423ae34e143b05ca1bf28b710432857bf738bcedbfa511'],
  [8192, 'aae792484c8efe4f19e2ca7d371d8c467ffb10748d8a5a1ae579948f718a2a63', 'dc9637c8845a770b4cbf76b8daec0eebf7dc2eac11498517f08d44c8fc00d58a'],
  [16384, 'f875d6646de28985646f34ee13be9a576fd515f76b5b0a26bb324735041ddde4', '9e9fc4eb7cf081ea7c47d1807790ed211bfec56aa25bb7037784c13c4b707b0d'],
  [31744, '62b6960e1a44bcc1eb1a611a8d6235b6b4b78f32e7abc4fb4c6cdcce94895c47', 'efa53b389ab67c593dba624d898d0f7353ab99e4ac9d42302ee64cbf9939a419'],
  [102400, 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085', '1c35d1a5811083fd7119f5d5d1ba027b4d01c0c6c49fb6ff2cf75393ea5db4a7'],
];

describe('blake3', () => {
  it('gives the official vectors, plain and keyed', () => {
    const key = Buffer.from('whats the Elvish word for friend');
    for (const [length, hash, keyed] of BLAKE3_VECTORS) {
      const data = Uint8Array.from({ length }, (_, i) => i % 251);
      expect(blake3(data).toString('hex'), `length ${length}`).toBe(hash);
      expect(blake3(data, key).toString('hex'), `keyed, length ${length}`).toBe(keyed);
    }
  });
});

/** OpenZFS's tests/zfs-tests/cmd/checksum/skein_test.c: Skein-512-512 of 0xFF, 0xFF..0xC0 (64
 *  bytes), 0xFF..0x80 (128 bytes), first 32 bytes; and skein_iv.c's SKEIN_512_IV_256, the state
 *  after the config block for 256 bits of output. */
describe('skein', () => {
  it('gives OpenZFS test vectors and IV', () => {
    const down = (n: number) => Uint8Array.from({ length: n }, (_, i) => 0xff - i);
    expect(skein512(down(1), 512).toString('hex').slice(0, 64)).toBe('71b7bce6fe6452227b9ced6014249e5bf9a9754c3ad618ccc4e0aae16b316cc8');
    expect(skein512(down(64), 512).toString('hex').slice(0, 64)).toBe('45863ba3be0c4dfc27e75d358496f4ac9a736a505d9313b42b2f5eada79fc17f');
    expect(skein512(down(128), 512).toString('hex').slice(0, 64)).toBe('91cca510c263c4ddd010530a330733096286' + '31f308747e1bcbaa90e451cab92e');
    expect(skein512Init(256).map((w) => w.toString(16).padStart(16, '0'))).toEqual([
      'ccd044a12fdb3e13', 'e83590301a79a9eb', '55aea0614f816e6f', '2a2767a4ae9b94db',
      'ec06025e74dd7683', 'e7a436cdc4746251', 'c36fbaf9393ad185', '3eedba1833edfc13',
    ]);
    // Keyed with the salt, the digest differs from the unkeyed one and from another key's.
    const data = down(100);
    expect(skein512(data, 256, Buffer.alloc(32, 1)).equals(skein512(data, 256))).toBe(false);
  });
});

/** OpenZFS's tests/zfs-tests/cmd/checksum/edonr_test.c: Edon-R 512 of FIPS 180's "abc" and
 *  two-block messages, first 32 bytes of the 64. */
describe('edonr', () => {
  it('gives OpenZFS test vectors; the checksum is salted', () => {
    expect(edonr512(Buffer.from('abc')).toString('hex').slice(0, 64)).toBe('1b14db155f1d406594b8cef70a4362ec6b5de6a5daf50ec999e987c19d3049e2');
    const long = 'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu';
    expect(edonr512(Buffer.from(long)).toString('hex').slice(0, 64)).toBe('5351070dc51c3b2baca5a60d0252ccb4e4921a96fe5a69e76dad48fd21a0845a');
    const data = Buffer.alloc(512, 9);
    const salt = Buffer.alloc(32, 2);
    const first = edonr512(salt);
    expect(edonrChecksum(data, salt).equals(edonr512(Buffer.concat([first, edonr512(first), data])).subarray(0, 32))).toBe(true);
  });
});

describe('checksumOf', () => {
  const salt = Buffer.from('whats the Elvish word for friend');

  it('sha512 is SHA-512/256 (FIPS 180-4 example "abc"); blake3 is keyed with the salt', () => {
    expect(Buffer.from(checksumOf('sha512', Buffer.from('abc'), salt)).toString('hex')).toBe(
      '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23',
    );
    expect(Buffer.from(checksumOf('blake3', new Uint8Array(0), salt)).toString('hex')).toBe(BLAKE3_VECTORS[0][2]);
  });

  it('maps property values to algorithms: on is fletcher4, noparity computes none', () => {
    expect(algorithmFor('on')).toBe('fletcher4');
    expect(algorithmFor(undefined)).toBe('fletcher4');
    expect(algorithmFor('noparity')).toBe('off');
    for (const alg of ['fletcher2', 'fletcher4', 'sha256', 'sha512', 'skein', 'edonr', 'blake3', 'off']) expect(algorithmFor(alg)).toBe(alg);
  });

  it('every algorithm gives 32 bytes that a flipped bit never matches; off matches anything', () => {
    const data = Buffer.alloc(8192, 7);
    const algorithms: ChecksumAlgorithm[] = ['fletcher2', 'fletcher4', 'sha256', 'sha512', 'skein', 'edonr', 'blake3'];
    for (const alg of algorithms) {
      const sum = checksumOf(alg, data, salt);
      expect(sum.length, alg).toBe(32);
      expect(checksumMatches(alg, sum, data, salt), alg).toBe(true);
      const bad = Buffer.from(data);
      bad[4000] ^= 1;
      expect(checksumMatches(alg, sum, bad, salt), alg).toBe(false);
    }
    // The salt is part of a salted checksum: another pool's salt does not match.
    for (const alg of ['skein', 'edonr', 'blake3'] as const) {
      expect(checksumMatches(alg, checksumOf(alg, data, salt), data, Buffer.alloc(32)), alg).toBe(false);
    }
    expect(checksumMatches('off', new Uint8Array(0), Buffer.from('anything'), salt)).toBe(true);
  });
});
