/**
 * Crafting hostile streams for tests: decode a valid stream (or a series of them, as `send -I`
 * writes) into records, change something, and encode it again with the engine's writer, so that
 * every SHA-256 is recomputed and only the change is wrong.
 */
import { RecordType, StreamReader, StreamWriter, type StreamRecord } from '../../src/engine/streams/format.js';

/** One stream's records, END excluded (encode writes a fresh one). */
export type Records = Array<{ type: RecordType; header: Record<string, unknown>; data?: Buffer }>;

export function decode(input: Buffer): Records[] {
  let pos = 0;
  const read = (buf: Buffer, offset: number, length: number) => {
    const n = Math.min(length, input.length - pos);
    input.copy(buf, offset, pos, pos + n);
    pos += n;
    return n;
  };
  const streams: Records[] = [];
  while (pos < input.length) {
    const reader = new StreamReader(read);
    const records: Records = [];
    for (let r: StreamRecord | null; (r = reader.next()) !== null; ) {
      if (r.type === RecordType.End) continue;
      const data = r.type === RecordType.Write ? Buffer.from(r.data) : undefined;
      records.push({ type: r.type, header: structuredClone(r.header) as unknown as Record<string, unknown>, data });
    }
    streams.push(records);
  }
  return streams;
}

export function encode(streams: Records[]): Buffer {
  const chunks: Buffer[] = [];
  for (const records of streams) {
    const w = new StreamWriter((c) => chunks.push(Buffer.from(c)));
    for (const r of records) w.record(r.type, r.header, r.data);
    w.end();
  }
  return Buffer.concat(chunks);
}

export { RecordType };
