/** chmod's modes: octal (`755`, `4755`) and symbolic (`u+x,go-w`, `a=rX`, `+t`, `g=u`), as GNU chmod reads them. */
import { ZfsError } from '../../lib/errors.js';

/** The umask symbolic modes without `ugoa` are filtered by (GNU chmod uses the process's; tszfs fixes 022). */
const UMASK = 0o022;

export interface ModeChange {
  /** the new permission bits of an object with bits `old` (a directory: `X` applies) */
  apply(old: number, isDir: boolean): number;
}

export function parseMode(text: string, command = 'chmod'): ModeChange {
  const invalid = () => new ZfsError([`${command}: invalid mode: '${text}'`]);
  if (/^[0-7]{1,4}$/.test(text)) {
    const bits = parseInt(text, 8);
    return { apply: () => bits };
  }
  type Op = { who: number; op: string; perm: string | null; copy: string | null; masked: boolean };
  const ops: Op[] = [];
  for (const clause of text.split(',')) {
    const m = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/.exec(clause);
    if (!m) throw invalid();
    let who = 0;
    for (const c of m[1]) who |= c === 'u' ? 0o4700 : c === 'g' ? 0o2070 : c === 'o' ? 0o1007 : 0o7777;
    const masked = who === 0;
    if (masked) who = 0o7777;
    for (const a of m[2].matchAll(/([-+=])([rwxXst]*|[ugo])/g)) {
      const copy = /^[ugo]$/.test(a[2]) ? a[2] : null;
      ops.push({ who, op: a[1], perm: copy ? null : a[2], copy, masked });
    }
  }
  return {
    apply(old, isDir) {
      let mode = old;
      for (const o of ops) {
        let bits = 0;
        if (o.copy) {
          const shift = o.copy === 'u' ? 6 : o.copy === 'g' ? 3 : 0;
          const rwx = (mode >> shift) & 7;
          bits = rwx * 0o111;
        } else {
          for (const c of o.perm!) {
            if (c === 'r') bits |= 0o444;
            else if (c === 'w') bits |= 0o222;
            else if (c === 'x') bits |= 0o111;
            else if (c === 'X') bits |= isDir || (mode & 0o111) !== 0 ? 0o111 : 0;
            else if (c === 's') bits |= 0o6000;
            else if (c === 't') bits |= 0o1000;
          }
        }
        bits &= o.who;
        if (o.masked) bits &= ~UMASK;
        if (o.op === '+') mode |= bits;
        else if (o.op === '-') mode &= ~bits;
        else mode = (mode & ~(o.who & (o.masked ? 0o7777 & ~UMASK : 0o7777) & 0o7777)) | bits;
      }
      return mode & 0o7777;
    },
  };
}
