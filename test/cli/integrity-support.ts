/** Helpers of the integrity tests: transcripts with steps that damage pool files between commands. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NodeReader } from '../../src/engine/blocks/nodes.js';
import { FsView } from '../../src/engine/files/fs-view.js';
import { blockMap } from '../../src/engine/files/objset.js';
import type { BlockPtr } from '../../src/engine/store/records.js';
import { Home } from '../../src/lib/home.js';
import { PoolHandle } from '../../src/lib/pool-handle.js';
import type { Sandbox } from './harness.js';
export { pattern } from './harness.js';

export type Step = string[] | { args: string[]; input: string | Buffer } | { note: string; act: () => void };

/** Like harness.transcript, with `# note` steps that act on the pool files between commands. */
export function script(sb: Sandbox, steps: Step[]): string {
  let text = '';
  for (const step of steps) {
    if (!Array.isArray(step) && 'note' in step) {
      step.act();
      text += `# ${step.note}\n`;
      continue;
    }
    const { args, input } = Array.isArray(step) ? { args: step, input: undefined } : step;
    const r = sb.run(args, input);
    text += `$ tszfs ${args.map((a) => (/^[\w@%:/.,=+-]+$/.test(a) ? a : `'${a}'`)).join(' ')}\n${r.stdout}`;
    if (r.stderr) text += `[stderr]\n${r.stderr}`;
    if (r.status !== 0) text += `[exit ${r.status}]\n`;
  }
  return text.split(sb.home).join('$TSZFS_HOME');
}

/** The block pointer of block `blockId` of a file, read through the library. */
export function blockOf(home: string, dataset: string, file: string, blockId: number): BlockPtr {
  const h = PoolHandle.open(new Home(home), dataset.split(/[/@]/)[0])!;
  try {
    const r = h.resolve(h.view(), dataset)!;
    const src = new NodeReader(h.pool.t);
    const { dnode } = FsView.at(src, r.ds.root).lookup(file.split('/'));
    if (dnode.type !== 'file') throw new Error('not a file');
    return blockMap.get(src, dnode.blocks, blockId)!;
  } finally {
    h.close();
  }
}

/** Flip bytes inside a data block of the image, as a failing disk would. */
export function damage(home: string, dataset: string, file: string, blockId: number): void {
  const bp = blockOf(home, dataset, file, blockId);
  const fd = fs.openSync(path.join(home, 'tank.img'), 'r+');
  const buf = Buffer.alloc(16);
  fs.readSync(fd, buf, 0, 16, bp.offset + 100);
  for (let i = 0; i < buf.length; i++) buf[i] ^= 0x5a;
  fs.writeSync(fd, buf, 0, 16, bp.offset + 100);
  fs.closeSync(fd);
}

export const R = 131072;

