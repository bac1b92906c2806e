/** `zfs clone [-p] [-o prop=val]... SNAP FS|VOL` */
import { createClone } from '../../engine/datasets/snapshot.js';
import { ZfsError, notFound } from '../errors.js';
import type { Home } from '../home.js';
import { checkDatasetName } from '../names.js';
import { volumeGeometryAt } from '../../engine/reading.js';
import { headKind, poolNameOf } from '../pool-handle.js';
import { withPoolOf } from '../session.js';
import { ensureParent, validateNewProps, type CreateOptions } from './create.js';
import { assignProperties } from './set.js';
import { openVolume } from '../../engine/sync-task.js';
import { badVolsize } from './volsize.js';

export function clone(home: Home, source: string, target: string, opts: CreateOptions, history: string): void {
  const badSource = checkDatasetName(source, ['snapshot'], false);
  if (badSource) throw ZfsError.action(`cannot open '${source}'`, badSource);
  const action = `cannot create '${target}'`;
  withPoolOf(
    home,
    source,
    (h) => {
      const origin = h.resolve(h.view(), source);
      if (!origin || origin.kind !== 'snapshot') throw notFound(source);
      const badTarget = checkDatasetName(target, ['filesystem'], true);
      if (badTarget) throw ZfsError.action(action, badTarget);
      if (poolNameOf(target) !== h.name) throw ZfsError.action(action, 'source and target pools differ');
      const type = headKind(h.view(), origin.dir);
      const props = validateNewProps(action, opts.props, type);
      // A volume's clone reserves nothing unless asked. -o volsize resizes it (its data object
      // holds the size); refreservation=auto is that size, else the origin's (zfs_fix_auto_resv).
      const originGeometry = type === 'volume' ? volumeGeometryAt(h.pool.t, origin.ds.root) : null;
      const volsize = props.volsize === undefined ? undefined : Number(props.volsize);
      delete props.volsize;
      const bad = originGeometry && volsize !== undefined ? badVolsize(String(volsize), originGeometry.blocksize) : null;
      if (bad) throw ZfsError.action(action, bad);
      if (props.refreservation === 'auto') props.refreservation = String(volsize ?? originGeometry!.size);
      h.change(history, (c) => {
        if (h.findDir(c.dsl, target) !== undefined) {
          if (opts.parents) return;
          throw ZfsError.action(action, 'dataset already exists');
        }
        if (!target.includes('/')) throw ZfsError.action(action, 'dataset already exists');
        const parent = ensureParent(h, c, target, opts.parents, action);
        const head = createClone(c.dsl, origin.ds.id, parent, target.slice(target.lastIndexOf('/') + 1), {});
        if (volsize !== undefined && volsize !== originGeometry!.size) openVolume(c, head.id).resize(volsize);
        assignProperties(c, head.dir, props, () => ZfsError.action(action, 'out of space'));
      });
    },
    () => {
      throw notFound(source);
    },
  );
}
