// strftime()/ctime() look-alikes for the handful of date formats the CLI
// prints (spec §1.3). All of them use LOCAL time, like the C code, so the
// output follows process.env.TZ (Node re-reads TZ when it is assigned).
// The C locale's English day/month abbreviations are hard-coded on purpose:
// Intl would localise them.

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun',
  'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
] as const;

interface LocalParts {
  a: string; // %a
  b: string; // %b
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  min: number;
  sec: number;
}

function localParts(epochSeconds: number): LocalParts {
  if (!Number.isFinite(epochSeconds)) {
    throw new RangeError(`invalid epoch seconds: ${epochSeconds}`);
  }
  // time_t is whole seconds; floor keeps negative fractions on the right day.
  const d = new Date(Math.floor(epochSeconds) * 1000);
  if (Number.isNaN(d.getTime())) {
    throw new RangeError(`epoch seconds out of range: ${epochSeconds}`);
  }
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
