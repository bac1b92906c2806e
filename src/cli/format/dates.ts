// strftime()/ctime() look-alikes for the handful of date formats the CLI
// prints (spec §1.3). All of them use LOCAL time, like the C code, so the
// output follows the invocation's TZ: the process's own when they agree (the
// binary), else through Intl (an in-process run with its own env).
// The C locale's English day/month abbreviations are hard-coded on purpose:
// Intl would localise them.
import { invocationEnv } from '../../lib/env.js';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
  'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
] as const;

export interface LocalParts {
  a: string; // %a
  b: string; // %b
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  min: number;
  sec: number;
}

export function localParts(epochSeconds: number): LocalParts {
  if (!Number.isFinite(epochSeconds)) {
    throw new RangeError(`invalid epoch seconds: ${epochSeconds}`);
  }
  // time_t is whole seconds; floor keeps negative fractions on the right day.
  const d = new Date(Math.floor(epochSeconds) * 1000);
  if (Number.isNaN(d.getTime())) {
    throw new RangeError(`epoch seconds out of range: ${epochSeconds}`);
  }
  const tz = invocationEnv().TZ;
  if (tz !== process.env.TZ) return zoneParts(d, tz);
  return {
    a: DAYS[d.getDay()],
    b: MONTHS[d.getMonth()],
    year: d.getFullYear(),
    month: d.getMonth() + 1,
    day: d.getDate(),
    hour: d.getHours(),
    min: d.getMinutes(),
    sec: d.getSeconds(),
  };
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The wall clock of `d` in zone `tz` (glibc reads an unknown or empty zone as UTC). */
function zoneParts(d: Date, tz: string | undefined): LocalParts {
  const zone = tz === undefined ? undefined : tz.replace(/^:/, '') || 'UTC';
  const key = zone ?? '';
  let format = formats.get(key);
  if (format === undefined) {
    const options: Intl.DateTimeFormatOptions = {
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      hourCycle: 'h23', era: 'short',
    };
    try {
      format = new Intl.DateTimeFormat('en-US', { ...options, timeZone: zone });
    } catch {
      format = new Intl.DateTimeFormat('en-US', { ...options, timeZone: 'UTC' });
    }
    formats.set(key, format);
  }
  const f: Record<string, string> = {};
  for (const part of format.formatToParts(d)) f[part.type] = part.value;
  const year = f.era === 'BC' || f.era === 'B' ? 1 - Number(f.year) : Number(f.year);
  const month = Number(f.month);
  const day = Number(f.day);
  // The weekday from the calendar date itself (Date.UTC is proleptic Gregorian, as glibc).
  const weekday = new Date(Date.UTC(2000, month - 1, day));
  weekday.setUTCFullYear(year);
  return {
    a: DAYS[weekday.getUTCDay()],
    b: MONTHS[month - 1],
    year,
    month,
    day,
    hour: Number(f.hour),
    min: Number(f.minute),
    sec: Number(f.second),
  };
}

// %e and %k pad with a space, %d/%H/%M/%S with a zero.
const sp2 = (n: number): string => String(n).padStart(2, ' ');
const z2 = (n: number): string => String(n).padStart(2, '0');

/** `creation`: strftime "%a %b %e %k:%M %Y" → `Tue Jan  7  9:05 2025`. */
export function formatCreation(epochSeconds: number): string {
  const p = localParts(epochSeconds);
  return `${p.a} ${p.b} ${sp2(p.day)} ${sp2(p.hour)}:${z2(p.min)} ${p.year}`;
}

/**
 * `snapshots_changed`: strftime "%a %b %e %k:%M:%S %Y"
 * → `Tue Jan  7  9:07:33 2025`.
 */
export function formatSnapshotsChanged(epochSeconds: number): string {
  const p = localParts(epochSeconds);
  return (
    `${p.a} ${p.b} ${sp2(p.day)} ${sp2(p.hour)}:${z2(p.min)}:${z2(p.sec)} ` +
    `${p.year}`
  );
}

/** `zpool history`: strftime "%F.%T" → `2025-01-07.09:05:00`. */
export function formatHistoryTime(epochSeconds: number): string {
  const p = localParts(epochSeconds);
  // %F is %Y-%m-%d; glibc pads %Y to at least 4 digits there.
  const y = String(p.year).padStart(4, '0');
  return `${y}-${z2(p.month)}-${z2(p.day)}.${z2(p.hour)}:${z2(p.min)}:${z2(p.sec)}`;
}

/** `zfs holds` TIMESTAMP: strftime "%a %b %e %H:%M %Y" → `Tue Jan  7 09:05 2025`. */
export function formatHoldTime(epochSeconds: number): string {
  const p = localParts(epochSeconds);
  return `${p.a} ${p.b} ${sp2(p.day)} ${z2(p.hour)}:${z2(p.min)} ${p.year}`;
}

/**
 * C ctime() without its trailing newline → `Tue Jan  7 09:05:00 2025`
 * (asctime format "%.3s %.3s%3d %.2d:%.2d:%.2d %d"). Callers that mimic
 * `zpool status` must add the '\n' ctime() would have carried.
 */
export function formatCtime(epochSeconds: number): string {
  const p = localParts(epochSeconds);
  return (
    `${p.a} ${p.b} ${sp2(p.day)} ${z2(p.hour)}:${z2(p.min)}:${z2(p.sec)} ` +
    `${p.year}`
  );
}
