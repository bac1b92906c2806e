/** `zfs clone [-p] [-o prop=val]... SNAP FS|VOL` */
import { createClone } from '../../engine/datasets/snapshot.js';
import { ZfsError, notFound, datasetError } from '../errors.js';
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
      const badTarget = checkDatasetName(target, ['filesystem'], true);
      h.syncTask(history, {
        // Every read that decides the clone is made in the transaction that makes it.
        check(c) {
          const origin = h.resolve(c.dsl, source);
          if (!origin || origin.kind !== 'snapshot') throw notFound(source);
          if (badTarget) throw ZfsError.action(action, badTarget);
          if (poolNameOf(target) !== h.name) throw ZfsError.action(action, 'source and target pools differ');
          const type = headKind(c.dsl, origin.dir);
          const props = validateNewProps(action, opts.props, type);
          // A volume's clone reserves nothing unless asked. -o volsize resizes it (its data object
          // holds the size); refreservation=auto is that size, else the origin's (zfs_fix_auto_resv).
          const originGeometry = type === 'volume' ? volumeGeometryAt(c.tx.t, origin.ds.root) : null;
          const volsize = props.volsize === undefined ? undefined : Number(props.volsize);
          delete props.volsize;
          const bad = originGeometry && volsize !== undefined ? badVolsize(String(volsize), originGeometry.blocksize) : null;
          if (bad) throw ZfsError.action(action, bad);
          if (props.refreservation === 'auto') props.refreservation = String(volsize ?? originGeometry!.size);
          if (h.findDir(c.dsl, target) !== undefined) {
            if (opts.parents) return null;
            throw datasetError(action, 'EEXIST');
          }
          if (!target.includes('/')) throw datasetError(action, 'EEXIST');
          const resize = volsize !== undefined && volsize !== originGeometry!.size ? volsize : undefined;
          return { origin: origin.ds.id, props, resize };
        },
        sync(c, plan) {
          if (plan === null) return;
          const parent = ensureParent(h, c, target, opts.parents, action);
          const head = createClone(c.dsl, plan.origin, parent, target.slice(target.lastIndexOf('/') + 1), {});
          if (plan.resize !== undefined) openVolume(c, head.id).resize(plan.resize);
          assignProperties(c, head.dir, plan.props, () => datasetError(action, 'ENOSPC'));
        },
      });
    },
    () => {
      throw notFound(source);
    },
  );
}
