/**
 * `tszfs image load [-i FILE|DIR] [--pool POOL] [--platform OS/ARCH[/VARIANT]] [NAME[:TAG]]`,
 * `tszfs image ls [--pool POOL]`, `tszfs image rm [--pool POOL] IMAGE...`: images as layer
 * chains of clones (src/images/). Every blob and diff_id is checked before anything is made.
 */
import * as fs from 'node:fs';
import { ImageError, dirFiles, parsePlatform, readImage, spoolToScratch, tarFiles, type ImageFiles } from '../../images/layout.js';
import { imagePool, listImages, normalRef, removeImage, storeImage } from '../../images/store.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import { scratchDirOf } from '../../lib/session.js';
import type { Command, CommandContext } from '../context.js';
import { drawTable } from '../format/table.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

export const command: Command = {
  usage: [
    'image load [-i <file|dir>] [--pool <pool>] [--platform <os/arch[/variant]>] [name[:tag]]',
    'image ls [--pool <pool>]',
    'image rm [--pool <pool>] <image> ...',
  ],
  run(ctx, args) {
    const asked = args.find((a) => ['--help', '-?', '-h'].includes(a));
    if (asked !== undefined) parseOptions([asked], {}); // help, as every command gives it
    const [sub, ...rest] = args;
    switch (sub) {
      case 'load':
        return load(ctx, rest);
      case 'ls':
      case 'list': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length > 0) throw new UsageError('too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        const rows = listImages(ctx.home, pool).map((r) => {
          const at = r.ref.lastIndexOf(':');
          return [r.ref.slice(0, at), r.ref.slice(at + 1), r.id.replace(/^sha256:/, '').slice(0, 12), String(r.layers), r.top];
        });
        ctx.out.write(drawTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'LAYERS', 'DATASET'], rows, ['left', 'left', 'left', 'right', 'left']));
        return 0;
      }
      case 'rm': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length === 0) throw new UsageError('missing image argument');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        for (const name of p.operands) for (const line of removeImage(ctx.home, pool, name, ctx.historyLine)) ctx.out.write(`${line}\n`);
        return 0;
      }
      case undefined:
        throw new UsageError('missing image command');
      default:
        throw new UsageError(`unrecognized image command '${sub}'`);
    }
  },
};

function load(ctx: CommandContext, args: string[]): number {
  const p = parseOptions(args, { values: 'i', longValues: ['pool', 'platform'] });
  if (p.operands.length > 1) throw new UsageError('too many arguments');
  const platformText = valueOf(p, 'platform') ?? 'linux/amd64';
  const platform = parsePlatform(platformText);
  if (!platform) throw new UsageError(`invalid platform '${platformText}': expected os/arch[/variant]`);
  const pool = imagePool(ctx.home, valueOf(p, 'pool'));
  const input = valueOf(p, 'i');
  let files: ImageFiles | null = null;
  let image;
  let report;
  try {
    try {
      files = source(ctx, input, pool);
      image = readImage(files, platform);
    } catch (err) {
      if (err instanceof ImageError) throw new ZfsError([`cannot load image: ${err.message}`]);
      throw err;
    }
    const refs = p.operands.length ? [normalRef(p.operands[0])] : image.refs.map(normalRef);
    report = storeImage(ctx.home, pool, image, refs, ctx.historyLine);
  } finally {
    files?.close();
  }
  const refs = report.refs;
  for (const ds of report.shared) ctx.out.write(`${ds}: Already exists\n`);
  for (const ds of report.created) ctx.out.write(`${ds}: Loaded\n`);
  ctx.out.write(refs.length ? refs.map((r) => `Loaded image: ${r}\n`).join('') : `Loaded image ID: ${image.id}\n`);
  return 0;
}

/** The image source: a directory, a tar file (indexed, its members read as they are needed), or
 *  standard input copied first to an unlinked scratch file beside the pool (bounded memory). */
function source(ctx: CommandContext, input: string | undefined, pool: string): ImageFiles {
  if (input === undefined || input === '-') {
    if (ctx.in.isTTY) throw new ZfsError(['cannot load image: refusing to read an archive from a terminal (missing -i option?)']);
    return tarFiles(spoolToScratch(ctx.in, scratchDirOf(ctx.home, pool)), true);
  }
  let fd: number | null = null;
  try {
    if (fs.statSync(input).isDirectory()) return dirFiles(input);
    fd = fs.openSync(input, 'r');
    const files = tarFiles(fd, true);
    fd = null;
    return files;
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ZfsError([`cannot open '${input}': ${strerror(err)}`]);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
