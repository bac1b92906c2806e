/** The receive_resume_token: OpenZFS's `1-<cksum>-<len>-<hex zlib>` shape, round trip and refusals. */
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeResumeToken, encodeResumeToken, printResumeState, type ResumeState } from '../../../src/engine/streams/resume-token.js';

const state: ResumeState = { fromguid: '42', object: 5, offset: 131072, bytes: 200000, toguid: '18446744073709551615', toname: 'tank/a@s', records: 7, compressok: true };

describe('resume token', () => {
  it('round-trips, in the shape OpenZFS gives it', () => {
    const token = encodeResumeToken(state);
    expect(token).toMatch(/^1-[0-9a-f]+-[0-9a-f]+-(?:[0-9a-f]{2})+$/);
    const [, , len, hex] = token.split('-');
    expect(parseInt(len, 16)).toBe(JSON.stringify(state).length);
    expect(Buffer.from(hex, 'hex').equals(deflateSync(Buffer.from(JSON.stringify(state)), { level: 6 }))).toBe(true);
    expect(decodeResumeToken(token)).toEqual(state);
  });

  it('refuses what libzfs refuses, in its words', () => {
    const token = encodeResumeToken(state);
    expect(decodeResumeToken('nonsense')).toBe('resume token is corrupt (invalid format)');
    expect(decodeResumeToken('7' + token.slice(1))).toBe('resume token is corrupt (invalid version 7)');
    expect(decodeResumeToken(token.replace(/-([0-9a-f]+)$/, '-xy$1'))).toBe('resume token is corrupt (payload is not hex-encoded)');
    // fletcher_4_native_varsize sums whole 32-bit words: a byte of the first word changed is seen.
    const at = token.lastIndexOf('-') + 1;
    const flipped = token.slice(0, at) + (token.slice(at, at + 2) === '00' ? '01' : '00') + token.slice(at + 2);
    expect(decodeResumeToken(flipped)).toBe('resume token is corrupt (incorrect checksum)');
  });

  it('prints as nvlist_print does', () => {
    expect(printResumeState(state)).toBe(
      'nvlist version: 0\n\tfromguid = 0x2a\n\tobject = 0x5\n\toffset = 0x20000\n\tbytes = 0x30d40\n\ttoguid = 0xffffffffffffffff\n\ttoname = tank/a@s\n\tcompressok = 1\n',
    );
  });
});
