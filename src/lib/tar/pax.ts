/**
 * PAX extended header records (`LEN KEY=VALUE\n`) with values kept as bytes: tar-stream's
 * encodePax/decodePax go through JavaScript strings, which would corrupt binary xattr values
 * (`SCHILY.xattr.security.capability`). Headers themselves are tar-stream's.
 */

export type PaxRecords = Map<string, Buffer>;

export function decodePax(buf: Buffer): PaxRecords {
  const out: PaxRecords = new Map();
  let at = 0;
  while (at < buf.length) {
    const space = buf.indexOf(0x20, at);
    if (space < 0) break;
    const len = Number(buf.toString('latin1', at, space));
    if (!Number.isSafeInteger(len) || len <= space - at || at + len > buf.length) break;
    const record = buf.subarray(space + 1, at + len - 1); // without the newline
    const eq = record.indexOf(0x3d);
    if (eq < 0) break;
    out.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    at += len;
  }
  return out;
}

/** The length of a record whose key and value take `body` bytes: it counts its own digits. */
function recordLength(keyBytes: number, valueBytes: number): number {
  const body = keyBytes + valueBytes + 3; // space, '=', newline
  let len = body + String(body).length;
  if (String(len).length !== String(body).length) len = body + String(len).length;
  return len;
}

let out = Buffer.allocUnsafe(4096);

/** Records into one buffer, valid until the next call (the caller writes it out at once). */
export function encodePax(records: Array<[string, Buffer | string]>): Buffer {
  let total = 0;
  const sizes = records.map(([k, v]) => {
    const len = recordLength(Buffer.byteLength(k), typeof v === 'string' ? Buffer.byteLength(v) : v.length);
    total += len;
    return len;
  });
  if (out.length < total) out = Buffer.allocUnsafe(Math.max(total, 2 * out.length));
  let at = 0;
  records.forEach(([k, v], i) => {
    at += out.write(`${sizes[i]} ${k}=`, at, 'utf8');
    at += typeof v === 'string' ? out.write(v, at, 'utf8') : v.copy(out, at);
    out[at++] = 0x0a;
  });
  return out.subarray(0, at);
}

/** A PAX time (`1700000000.123456789`, maybe negative) as [sec, nsec]; null when not a time. */
export function paxTime(value: Buffer | undefined): [number, number] | null {
  if (!value) return null;
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value.toString('latin1'));
  if (!m) return null;
  const sec = Number(m[2]);
  const nsec = Number(((m[3] ?? '') + '000000000').slice(0, 9));
  if (m[1] !== '-') return [sec, nsec];
  return nsec === 0 ? [-sec, 0] : [-sec - 1, 1e9 - nsec];
}

/** [sec, nsec] as a PAX time, with no needless fraction digits. */
export function formatPaxTime([sec, nsec]: [number, number]): string {
  if (nsec === 0) return String(sec);
  if (sec < 0) {
    const whole = sec + 1;
    const frac = String(1e9 - nsec).padStart(9, '0').replace(/0+$/, '');
    return `-${whole === 0 ? '0' : String(-whole)}.${frac}`;
  }
  return `${sec}.${String(nsec).padStart(9, '0').replace(/0+$/, '')}`;
}
