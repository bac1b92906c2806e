/** How GNU coreutils show a file's attributes: ls -l's mode letters and times, stat's fields. */
import type { Dnode, Timespec } from '../../engine/model.js';
import { localParts } from './dates.js';

const TYPE_LETTER: Record<Dnode['type'], string> = { file: '-', dir: 'd', symlink: 'l', chardev: 'c', blockdev: 'b', fifo: 'p', socket: 's' };

/** `-rwsr-xr-t`: the type letter and the nine permission letters, with setuid, setgid, sticky. */
export function modeString(dn: Dnode): string {
  const m = dn.mode;
  const rwx = (shift: number, special: boolean, on: string, off: string) =>
    (m & (4 << shift) ? 'r' : '-') + (m & (2 << shift) ? 'w' : '-') + (special ? (m & (1 << shift) ? on : off) : m & (1 << shift) ? 'x' : '-');
  return TYPE_LETTER[dn.type] + rwx(6, (m & 0o4000) !== 0, 's', 'S') + rwx(3, (m & 0o2000) !== 0, 's', 'S') + rwx(0, (m & 0o1000) !== 0, 't', 'T');
}

/** stat's %F. */
export function typeName(dn: Dnode): string {
  switch (dn.type) {
    case 'file':
      return dn.size === 0 ? 'regular empty file' : 'regular file';
    case 'dir':
      return 'directory';
    case 'symlink':
      return 'symbolic link';
    case 'chardev':
      return 'character special file';
    case 'blockdev':
      return 'block special file';
    default:
      return dn.type;
  }
}

const two = (n: number) => String(n).padStart(2, '0');

/** The local offset from UTC at `sec`, as `+0000`. */
function zoneOffset(sec: number): string {
  const p = localParts(sec);
  const minutes = Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.min, p.sec) / 1000 - Math.floor(sec)) / 60);
  const a = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${two(Math.floor(a / 60))}${two(a % 60)}`;
}

/** stat's %x %y %z %w: `2024-01-02 03:04:05.123456789 +0000`, local time. */
export function statTime(t: Timespec): string {
  const p = localParts(t[0]);
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.min)}:${two(p.sec)}.${String(t[1]).padStart(9, '0')} ${zoneOffset(t[0])}`;
}

/** Six months, as ls counts them (365.2425 days / 2). */
const SIX_MONTHS = 31556952 / 2;

/** ls -l's time: `Jan  2 03:04` within six months of now, else `Jan  2  2023`. */
export function lsTime(t: Timespec, now: number): string {
  const p = localParts(t[0]);
  const recent = t[0] > now - SIX_MONTHS && t[0] <= now;
  return `${p.b} ${String(p.day).padStart(2, ' ')} ${recent ? `${two(p.hour)}:${two(p.min)}` : ` ${p.year}`}`;
}

/** A name as GNU tools quote it when it needs quoting (shell-escape style), else as is. */
export function quoteName(name: string, always = false): string {
  if (!always && /^[A-Za-z0-9_./:@%+,=-]+$/.test(name)) return name;
  return `'${name.replace(/'/g, `'\\''`)}'`;
}
