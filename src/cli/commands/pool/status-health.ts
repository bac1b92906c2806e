/**
 * The health parts of `zpool status` (zpool_main.c status_callback, print_scan_status,
 * print_error_log): the status/action paragraph for damaged data, the `scan:` line, the error
 * counters of the vdev rows and the closing `errors:` section.
 */
import type { PoolHealth } from '../../../lib/health.js';
import { formatCtime } from '../../format/dates.js';
import { nicebytes, nicenum } from '../../format/nicenum.js';

/** ZPOOL_STATUS_CORRUPT_DATA: the error log is not empty. */
export function statusParagraph(health: PoolHealth): string {
  if (health.dataErrors === 0) return '';
  return (
    'status: One or more devices has experienced an error resulting in data\n' +
    '\tcorruption.  Applications may be affected.\n' +
    'action: Restore the file in question if possible.  Otherwise restore the\n' +
    '\tentire pool from backup.\n' +
    '   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A\n'
  );
}

/** secs_to_dhms */
function duration(seconds: number): string {
  const z2 = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(seconds / 86400);
  const hms = `${z2(Math.floor((seconds % 86400) / 3600))}:${z2(Math.floor((seconds % 3600) / 60))}:${z2(seconds % 60)}`;
  return days > 0 ? `${days} days ${hms}` : hms;
}

/** `  scan: ...`, only once a scrub has run (2.3 prints nothing for a never-scrubbed pool). */
export function scanLine(health: PoolHealth): string {
  const scan = health.scan;
  if (!scan) return '';
  if (scan.state === 'canceled') return `  scan: scrub canceled on ${formatCtime(scan.end)}\n`;
  return `  scan: scrub repaired ${nicebytes(0)} in ${duration(Math.max(0, scan.end - scan.start))} with ${scan.errors} errors on ${formatCtime(scan.end)}\n`;
}

/** READ, WRITE and CKSUM of a vdev row: the pool's one vdev and its root show the same counts. */
export function errorColumns(health: PoolHealth): string {
  const { read, write, cksum } = health.errors;
  return [read, write, cksum].map((n) => nicenum(n).padStart(5)).join(' ');
}

/** The closing section: `files` (the -v list) is null without -v. */
export function errorsSection(health: PoolHealth, files: string[] | null): string {
  if (health.dataErrors === 0) return 'errors: No known data errors\n';
  if (files === null) return `errors: ${health.dataErrors} data errors, use '-v' for a list\n`;
  return 'errors: Permanent errors have been detected in the following files:\n\n' + files.map((f) => `        ${f}\n`).join('');
}
