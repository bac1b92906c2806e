/**
 * The receive_resume_token (ZFS get_receive_resume_token_impl and libzfs
 * zfs_send_resume_token_to_nvlist): `1-<checksum>-<length>-<payload>`, where the payload is the
 * hex of the zlib-compressed state, <length> the uncompressed length and <checksum> the first word
 * of the compressed bytes' fletcher4, both in hex. OpenZFS packs an nvlist; tszfs packs the same
 * fields as JSON (a token is only ever read by the tszfs that resumes from it).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { fletcher4 } from '../blocks/checksum.js';

/** ZFS_SEND_RESUME_TOKEN_VERSION */
export const RESUME_TOKEN_VERSION = 1;

/** What a partial receive kept, as the token tells the sender (ZFS's DS_FIELD_RESUME_* fields). */
export interface ResumeState {
  /** the incremental source's guid (absent for a full stream) */
  fromguid?: string;
  /** the object of the first record not received, and its byte offset in that object */
  object: number;
  offset: number;
  /** bytes of the stream received and kept */
  bytes: number;
  toguid: string;
  toname: string;
  /** records received after BEGIN: where the resuming stream starts (tszfs's own field) */
  records: number;
  compressok?: true;
  largeblockok?: true;
  embedok?: true;
  rawok?: true;
}

/** fletcher_4_native_varsize's first word: fletcher4 of the whole 4-byte words only. */
function checksumWord(data: Buffer): bigint {
  const whole = data.subarray(0, data.length - (data.length % 4));
  return fletcher4(whole).readBigUInt64LE(0);
}

export function encodeResumeToken(state: ResumeState): string {
  const packed = Buffer.from(JSON.stringify(state));
  const compressed = deflateSync(packed, { level: 6 });
  return `${RESUME_TOKEN_VERSION}-${checksumWord(compressed).toString(16)}-${packed.length.toString(16)}-${compressed.toString('hex')}`;
}

/** The state a token carries, or the reason it is refused (libzfs's words). */
export function decodeResumeToken(token: string): ResumeState | string {
  const m = /^(\d+)-([0-9a-fA-F]+)-([0-9a-fA-F]+)-(.*)$/s.exec(token);
  if (!m) return 'resume token is corrupt (invalid format)';
  if (Number(m[1]) !== RESUME_TOKEN_VERSION) return `resume token is corrupt (invalid version ${Number(m[1]) >>> 0})`;
  const hex = m[4];
  if (!/^([0-9a-fA-F]{2})*[0-9a-fA-F]?$/.test(hex)) return 'resume token is corrupt (payload is not hex-encoded)';
  const compressed = Buffer.from(hex.slice(0, hex.length - (hex.length % 2)), 'hex');
  if (checksumWord(compressed) !== BigInt('0x' + m[2])) return 'resume token is corrupt (incorrect checksum)';
  let packed: Buffer;
  try {
    packed = inflateSync(compressed);
  } catch {
    return 'resume token is corrupt (decompression failed)';
  }
  if (packed.length !== parseInt(m[3], 16)) return 'resume token is corrupt (decompression failed)';
  try {
    const state = JSON.parse(packed.toString('utf8')) as ResumeState;
    if (typeof state !== 'object' || state === null) throw new Error();
    return state;
  } catch {
    return 'resume token is corrupt (nvlist_unpack failed)';
  }
}

/** nvlist_print of the token's nvlist, as `send -t -v` shows it. */
export function printResumeState(state: ResumeState): string {
  const hex = (v: number | string) => '0x' + BigInt(v).toString(16);
  const lines = ['nvlist version: 0'];
  if (state.fromguid !== undefined) lines.push(`\tfromguid = ${hex(state.fromguid)}`);
  lines.push(`\tobject = ${hex(state.object)}`, `\toffset = ${hex(state.offset)}`, `\tbytes = ${hex(state.bytes)}`);
  lines.push(`\ttoguid = ${hex(state.toguid)}`, `\ttoname = ${state.toname}`);
  for (const flag of ['largeblockok', 'embedok', 'compressok', 'rawok'] as const) if (state[flag]) lines.push(`\t${flag} = 1`);
  return lines.join('\n') + '\n';
}
