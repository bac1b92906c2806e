/**
 * The health parts of `zpool status` (zpool_main.c status_callback, print_scan_status,
 * print_error_log): the status/action paragraph for damaged data, the `scan:` line, the error
 * counters of the vdev rows and the closing `errors:` section.
 */
import type { PoolHealth } from '../../../lib/health.js';
import { DATA_COMPAT_D, SYSCONF_COMPAT_D, type FeatureStatus } from '../../../lib/pool-features.js';
import { formatCtime } from '../../format/dates.js';
import { nicebytes, nicenum } from '../../format/nicenum.js';

/** What zpool_get_status finds wrong with a pool (libzfs_status.c check_status, in its order):
 *  a non-empty error log first, then error counts on the vdev. */
export type StatusReason = 'ok' | 'corrupt-data' | 'failing-dev' | 'missing-dev-r' | 'missing-dev-nr' | 'offline-dev' | 'removed-dev';

export function statusReason(health: PoolHealth): StatusReason {
  if (health.vdevs?.missing === 'nr') return 'missing-dev-nr';
  if (health.dataErrors > 0) return 'corrupt-data';
  if (health.vdevs?.missing === 'r') return 'missing-dev-r';
  const { read, write, cksum } = health.errors;
  if (read + write + cksum > 0 || health.vdevs?.deviceErrors) return 'failing-dev';
  if (health.vdevs?.offline) return 'offline-dev';
  return health.vdevs?.removed ? 'removed-dev' : 'ok';
}

/** print_status_reason's status/action paragraph and the `see:` line of its msgid. */
export function statusParagraph(health: PoolHealth): string {
  switch (statusReason(health)) {
    case 'ok':
      return '';
    case 'corrupt-data':
      return (
        'status: One or more devices has experienced an error resulting in data\n' +
        '\tcorruption.  Applications may be affected.\n' +
        'action: Restore the file in question if possible.  Otherwise restore the\n' +
        '\tentire pool from backup.\n' +
        '   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-8A\n'
      );
    case 'missing-dev-r':
      return (
        'status: One or more devices could not be opened.  Sufficient replicas exist for\n' +
        '\tthe pool to continue functioning in a degraded state.\n' +
        "action: Attach the missing device and online it using 'zpool online'.\n" +
        '   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-2Q\n'
      );
    case 'missing-dev-nr':
      return (
        'status: One or more devices could not be opened.  There are insufficient\n' +
        '\treplicas for the pool to continue functioning.\n' +
        "action: Attach the missing device and online it using 'zpool online'.\n" +
        '   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-3C\n'
      );
    case 'offline-dev':
      return (
        'status: One or more devices has been taken offline by the administrator.\n' +
        '\tSufficient replicas exist for the pool to continue functioning in a\n' +
        '\tdegraded state.\n' +
        "action: Online the device using 'zpool online' or replace the device with\n" +
        "\t'zpool replace'.\n"
      );
    case 'removed-dev':
      return (
        'status: One or more devices have been removed.\n' +
        '\tSufficient replicas exist for the pool to continue functioning in a\n' +
        '\tdegraded state.\n' +
        "action: Online the device using zpool online' or replace the device with\n" +
        "\t'zpool replace'.\n"
      );
    case 'failing-dev':
      return (
        'status: One or more devices has experienced an unrecoverable error.  An\n' +
        '\tattempt was made to correct the error.  Applications are unaffected.\n' +
        "action: Determine if the device needs to be replaced, and clear the errors\n" +
        "\tusing 'zpool clear' or replace the device with 'zpool replace'.\n" +
        '   see: https://openzfs.github.io/openzfs-docs/msg/ZFS-8000-9P\n'
      );
  }
}

const z2 = (n: number) => String(n).padStart(2, '0');
const hms = (seconds: number) =>
  `${z2(Math.floor((seconds % 86400) / 3600))}:${z2(Math.floor((seconds % 3600) / 60))}:${z2(seconds % 60)}`;

/** secs_to_dhms */
function duration(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  return days > 0 ? `${days} days ${hms(seconds)}` : hms(seconds);
}

/** print_scan_status: the later of the last scrub (`  scan: ...`) and the last error scrub
 *  (` scrub: ...`, print_err_scrub_status), an error scrub winning a tie; nothing for a
 *  never-scrubbed pool (2.3). */
export function scanLine(health: PoolHealth): string {
  const { scan, errorScrub } = health;
  if (errorScrub && (!scan || errorScrub.start >= scan.start)) {
    const secs = Math.max(0, errorScrub.end - errorScrub.start);
    return ` scrub: scrubbed ${errorScrub.examined} error blocks in ${Math.floor(secs / 86400)} days ${hms(secs)} on ${formatCtime(errorScrub.end)}\n`;
  }
  if (!scan) return '';
  if (scan.state === 'canceled') return `  scan: scrub canceled on ${formatCtime(scan.end)}\n`;
  if (scan.func === 'resilver') {
    return `  scan: resilvered ${nicebytes(scan.repaired ?? 0)} in ${duration(Math.max(0, scan.end - scan.start))} with ${scan.errors} errors on ${formatCtime(scan.end)}\n`;
  }
  return `  scan: scrub repaired ${nicebytes(scan.repaired ?? 0)} in ${duration(Math.max(0, scan.end - scan.start))} with ${scan.errors} errors on ${formatCtime(scan.end)}\n`;
}

/** print_removal_status: the last removal, always finished here (it is done before `zpool
 *  remove` returns), and the memory the removed vdevs' mappings take. */
export function removalLines(health: PoolHealth): string {
  const r = health.removal;
  if (!r) return '';
  const minutes = Math.floor(Math.max(0, r.end - r.start) / 60);
  let out = `remove: Removal of vdev ${r.vdev} copied ${nicenum(r.copied)} in ${Math.floor(minutes / 60)}h${minutes % 60}m, completed on ${formatCtime(r.end)}\n`;
  if (r.mappingMemory > 0) out += `\t${nicenum(r.mappingMemory)} memory used for removed device mappings\n`;
  return out;
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

/** print_status_reason for the feature reasons check_status gives a healthy pool (no `see:` line). */
export function featureParagraph(reason: FeatureStatus): string {
  switch (reason) {
    case 'ok':
      return '';
    case 'version-older':
      return (
        'status: The pool is formatted using a legacy on-disk format.  The pool can\n\tstill be used, but some features are unavailable.\n' +
        "action: Upgrade the pool using 'zpool upgrade'.  Once this is done, the\n\tpool will no longer be accessible on software that does not support\n\tfeature flags.\n"
      );
    case 'feat-disabled':
      return (
        'status: Some supported and requested features are not enabled on the pool.\n\tThe pool can still be used, but some features are unavailable.\n' +
        "action: Enable all features using 'zpool upgrade'. Once this is done,\n\tthe pool may no longer be accessible by software that does not support\n\tthe features. See zpool-features(7) for details.\n"
      );
    case 'compat-err':
      return (
        'status: This pool has a compatibility list specified, but it could not be\n\tread/parsed at this time. The pool can still be used, but this\n\tshould be investigated.\n' +
        `action: Check the value of the 'compatibility' property against the\n\tappropriate file in ${SYSCONF_COMPAT_D} or ${DATA_COMPAT_D}.\n`
      );
    case 'incompatible-feat':
      return (
        "status: One or more features are enabled on the pool despite not being\n\trequested by the 'compatibility' property.\n" +
        "action: Consider setting 'compatibility' to an appropriate value, or\n\tadding needed features to the relevant file in\n" +
        `\t${SYSCONF_COMPAT_D} or ${DATA_COMPAT_D}.\n`
      );
  }
}
