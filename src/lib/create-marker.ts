/**
 * The marker of a `pool create` in progress (`IMAGE.creating`): what makes a create killed at any
 * instant leave no pool, and lets the next create of that image clear what it left.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LABEL_BYTES } from '../engine/pool/image.js';
import { poolError } from './errors.js';
import { processAlive, type Home } from './home.js';
import { metadataPathOf } from './pool-handle.js';

/**
 * `pool create` marks the image it builds with `IMAGE.creating` until the pool is registered, so
 * that a create killed at any instant leaves no pool, and a retry starts afresh: the marker of a
 * dead process means its image (when it made it), metadata and label are half-built, and go. The
 * marker is made with O_EXCL, so two creates on one image do not build over each other.
 */
export interface CreateMarker {
  pid: number;
  /** the create made the image (it goes with a failed create) rather than reusing a file */
  fresh: boolean;
  /** a pool of several devices: each device, and whether the create made it (the marker is the
   *  first device's, beside which the metadata lies) */
  devices?: Array<{ path: string; fresh: boolean }>;
}

export const createMarkerOf = (image: string) => `${image}.creating`;

export const busyCreating = (action: string, image: string) => poolError(action, 'EEXIST', `another create is building '${image}'`);

/** Whether a create is building `image`, or was killed building it (no pool to import). */
export const beingCreated = (image: string): boolean => markersOf(createMarkerOf(image)).length > 0;

/** Forget the markers of a create of `image` that was killed after it registered the pool. */
export function forgetCreateMarkers(image: string): void {
  for (const file of markersOf(createMarkerOf(image))) fs.rmSync(file, { force: true });
}

export function takeCreateMarker(action: string, image: string, mine: CreateMarker): CreateMarker {
  try {
    fs.writeFileSync(createMarkerOf(image), JSON.stringify(mine) + '\n', { flag: 'wx' });
    return mine;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    throw busyCreating(action, image);
  }
}

/**
 * Clear what a killed create left on `image`. A marker whose process is gone means its image
 * (when it made it), metadata and label are half-built, and go; unless the pool was registered
 * (the create was killed after its commit point), when only the marker goes. The marker of a live
 * create refuses this one. Of several creates clearing at once only one may: each first moves the
 * marker to `MARKER.PID` (a rename, which one wins), which marks the debris until it is cleared,
 * so that a clearer killed midway leaves a marker too.
 */
export function clearInterruptedCreate(home: Home, action: string, image: string): void {
  const marker = createMarkerOf(image);
  const busy = () => busyCreating(action, image);
  const mine = `${marker}.${process.pid}`;
  for (const file of markersOf(marker)) {
    const clearer = file === marker ? null : Number(file.slice(marker.length + 1));
    const old = readCreateMarker(file);
    const holder = clearer ?? old?.pid;
    if (holder !== undefined && holder !== process.pid && processAlive(holder)) throw busy();
    if (file !== mine) {
      try {
        fs.renameSync(file, mine);
      } catch {
        throw busy(); // another create moved it first
      }
      // A create that began between the read and the rename: its marker goes back.
      if (clearer === null && readCreateMarker(mine)?.pid !== old?.pid) {
        restoreMarker(mine, marker);
        throw busy();
      }
    }
    const registered = home.pools().some((p) => path.resolve(p.image) === image);
    if (!registered) {
      if (old?.devices) for (const d of old.devices) discardBuild(d.path, d.fresh);
      else discardBuild(image, old?.fresh ?? false);
    }
    fs.rmSync(mine, { force: true });
  }
}

/** The marker of `image` and the ones creates clearing it hold (`MARKER.PID`). */
function markersOf(marker: string): string[] {
  const prefix = path.basename(marker);
  let names: string[];
  try {
    names = fs.readdirSync(path.dirname(marker));
  } catch {
    return [];
  }
  return names
    .filter((n) => n === prefix || (n.startsWith(prefix + '.') && /^\d+$/.test(n.slice(prefix.length + 1))))
    .map((n) => path.join(path.dirname(marker), n));
}

function restoreMarker(from: string, marker: string): void {
  try {
    fs.linkSync(from, marker);
  } catch {
    /* a marker is there again: the one we moved belongs to nobody now */
  }
  fs.rmSync(from, { force: true });
}

function readCreateMarker(marker: string): CreateMarker | null {
  try {
    const m = JSON.parse(fs.readFileSync(marker, 'utf8')) as CreateMarker;
    return typeof m.pid === 'number' ? m : null;
  } catch {
    return null;
  }
}

/** Remove what a create built on `image`: its metadata, and the image if the create made it
 *  (else its label, so that the file is as the user gave it). */
export function discardBuild(image: string, fresh: boolean): void {
  const metadata = metadataPathOf(image);
  for (const file of [metadata, `${metadata}-lock`]) fs.rmSync(file, { force: true });
  if (fresh) fs.rmSync(image, { force: true });
  else clearLabel(image);
}

function clearLabel(image: string): void {
  if (!fs.existsSync(image)) return;
  const fd = fs.openSync(image, 'r+');
  try {
    fs.writeSync(fd, Buffer.alloc(LABEL_BYTES), 0, LABEL_BYTES, 0);
  } finally {
    fs.closeSync(fd);
  }
}
