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
  if (/^[0-7]+$/.test(text)) {
    const bits = parseInt(text, 8);
    if (bits > 0o7777) throw invalid();
    // A directory keeps setuid and setgid under a numeric mode of four digits or fewer (GNU chmod:
    // clearing them takes a fifth, leading zero, as 00755).
    const keep = text.length <= 4 ? 0o6000 : 0;
    return { apply: (old, isDir) => bits | (isDir ? old & keep & ~bits & 0o6000 : 0) };
  }
  // Each action is one change, applied in order as GNU's mode_adjust (lib/modechange.c) does.
  type Change = { affected: number; op: string; value: number; mentioned: number; kind: 'ordinary' | 'copy' | 'x-if-any-x' };
  const changes: Change[] = [];
  for (const clause of text.split(',')) {
    const m = /^([ugoa]*)((?:[-+=](?:[rwxXst]*|[ugo]))+)$/.exec(clause);
    if (!m) throw invalid();
    let affected = 0;
    for (const c of m[1]) affected |= c === 'u' ? 0o4700 : c === 'g' ? 0o2070 : c === 'o' ? 0o1007 : 0o7777;
    for (const a of m[2].matchAll(/([-+=])([ugo]|[rwxXst]*)/g)) {
      let value = 0;
      let kind: Change['kind'] = 'ordinary';
      if (/^[ugo]$/.test(a[2])) {
        kind = 'copy';
        value = a[2] === 'u' ? 0o700 : a[2] === 'g' ? 0o070 : 0o007;
      } else {
        for (const c of a[2]) {
          if (c === 'r') value |= 0o444;
          else if (c === 'w') value |= 0o222;
          else if (c === 'x') value |= 0o111;
          else if (c === 'X') kind = 'x-if-any-x';
          else if (c === 's') value |= 0o6000;
          else if (c === 't') value |= 0o1000;
        }
      }
      changes.push({ affected, op: a[1], value, mentioned: affected ? affected & value : value, kind });
    }
  }
  return {
    apply(old, isDir) {
      let mode = old & 0o7777;
      for (const c of changes) {
        // A directory keeps setuid and setgid unless the change names them.
        const omit = (isDir ? 0o6000 : 0) & ~c.mentioned;
        let value = c.value;
        if (c.kind === 'copy') {
          value &= mode;
          value = (value & 0o444 ? 0o444 : 0) | (value & 0o222 ? 0o222 : 0) | (value & 0o111 ? 0o111 : 0);
        } else if (c.kind === 'x-if-any-x' && ((mode & 0o111) !== 0 || isDir)) value |= 0o111;
        value &= (c.affected ? c.affected : ~UMASK) & ~omit;
        if (c.op === '=') mode = (mode & ((c.affected ? ~c.affected : 0) | omit)) | value;
        else if (c.op === '+') mode |= value;
        else mode &= ~value;
      }
      return mode & 0o7777;
    },
  };
}
