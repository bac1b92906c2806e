/**
 * The dates `touch -d` reads: the forms of GNU date strings people write: `@SECONDS[.FRACTION]`,
 * `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.FRACTION]]` (or with `T`), optionally followed by `Z`,
 * `UTC` or an offset `+HH:MM`/`+HHMM`. Without a zone the time is local (TZ). Exact to the nanosecond.
 */
import type { Timespec } from '../../engine/model.js';
import { localParts } from './dates.js';

const nanos = (fraction: string | undefined) => Number((fraction ?? '').padEnd(9, '0').slice(0, 9) || '0');

export function parseDate(text: string): Timespec | null {
  const s = text.trim();
  const at = /^@(-?\d+)(?:[.,](\d+))?$/.exec(s);
  if (at) {
    const sec = Number(at[1]);
    const ns = nanos(at[2]);
    // @-1.5 is 1.5 s before the epoch: -2 s + 0.5 s.
    return sec < 0 || at[1].startsWith('-') ? (ns ? [sec - 1, 1e9 - ns] : [sec, 0]) : [sec, ns];
  }
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', se = '0', frac, zone] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(se)] as const;
  if (fields[1] > 11 || fields[2] < 1 || fields[2] > 31 || fields[3] > 23 || fields[4] > 59 || fields[5] > 60) return null;
  const utc = Date.UTC(...fields) / 1000;
  let sec: number;
  if (zone) {
    const z = zone.toUpperCase();
    const offset = z === 'Z' || z === 'UTC' || z === 'GMT' ? 0 : (z.startsWith('-') ? -1 : 1) * (Number(z.slice(1, 3)) * 60 + Number(z.slice(-2)));
    sec = utc - offset * 60;
  } else {
    // Local time: the UTC instant whose local wall clock reads these fields (two steps for DST).
    const offsetAt = (t: number) => {
      const p = localParts(t);
      return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.min, p.sec) / 1000 - t;
    };
    sec = utc - offsetAt(utc);
    sec = utc - offsetAt(sec);
  }
  return [sec, nanos(frac)];
}
