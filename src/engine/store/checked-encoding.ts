/**
 * LMDB values that carry their own checksum. LMDB checks neither pages nor values, and a page
 * check (verify.ts) sees only structure: a byte flipped inside a stored record could still decode,
 * as a wrong size or a wrong block pointer. So each value is written as the byte 0xc1 (one that
 * msgpack never uses), the CRC-32 of its msgpack encoding (4 bytes, big-endian), then that
 * encoding; a value whose CRC does not match is damage, never data. Pools made before this hold
 * plain msgpack values (which never start with 0xc1), and those still read; in a pool made with
 * checksums (`PoolMeta.valueChecksums`) an unmarked value is damage too (a flipped mark byte).
 */
import { Packr } from 'msgpackr';
import { crc32 } from '../crc32.js';
import { EngineError } from '../errno.js';

const MARK = 0xc1;
const HEADER = 5;

/** A stored record that fails its checksum: the pool's metadata is damaged. */
export const recordChecksumError = () => new EngineError('ECKSUM', 'a metadata record fails its checksum', { kind: 'metadata-record' });

// copyBuffers: LMDB hands the decoder a buffer that its next read overwrites.
const packr = new Packr({ copyBuffers: true });

/** The lmdb-js `encoder` of one environment's tables: encode/decode as lmdb-js calls them. */
export class CheckedEncoder {
  /** Refuse values without the mark: set once the pool says every value it holds has one. */
  strict = false;

  encode(value: unknown): Buffer {
    const body = packr.pack(value);
    const out = Buffer.allocUnsafe(HEADER + body.length);
    out[0] = MARK;
    out.writeUInt32BE(crc32(body), 1);
    body.copy(out, HEADER);
    return out;
  }

  /** `end`: lmdb-js passes the value's length when `bytes` is a larger shared buffer. */
  decode(bytes: Uint8Array, end?: unknown): unknown {
    const value = bytes.subarray(0, typeof end === 'number' ? end : bytes.length);
    if (value[0] !== MARK) {
      if (this.strict) throw recordChecksumError();
      return packr.unpack(value);
    }
    const body = value.subarray(HEADER);
    const stored = ((value[1] << 24) | (value[2] << 16) | (value[3] << 8) | value[4]) >>> 0;
    if (value.length < HEADER || stored !== crc32(body)) throw recordChecksumError();
    return packr.unpack(body);
  }
}
