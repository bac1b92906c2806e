/**
 * `tszfs image load [-i FILE|DIR] [--pool POOL] [--platform OS/ARCH[/VARIANT]] [NAME[:TAG]]`,
 * `image save [-o FILE|DIR] [--format oci|docker] IMAGE`, `image inspect IMAGE...`,
 * `tszfs image ls [--pool POOL]`, `tszfs image rm [-f] [--pool POOL] IMAGE...`: images as layer
 * chains of clones (src/images/). Every blob and diff_id is checked before anything is made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ImageError, dirFiles, parsePlatform, readImage, spoolToScratch, tarFiles, type ImageFiles } from '../../images/layout.js';
import { archiveFiles, imageToSave, layerChain, writeDir, writeTar, type SaveFormat } from '../../images/save.js';
import { imagesSpace } from '../../images/space.js';
import { findImage, imageConfig, imagePool, listImages, normalRef, removeImage, shortId, storeImage, type StoreProgress } from '../../images/store.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import { scratchDirOf } from '../../lib/session.js';
import type { Command, CommandContext } from '../context.js';
import { nicenum } from '../format/nicenum.js';
import { drawTable } from '../format/table.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { helpIfAsked } from './shared.js';
import { Progress } from '../progress.js';

export const command: Command = {
  usage: [
    'image load [-i <file|dir>] [--pool <pool>] [--platform <os/arch[/variant]>] [name[:tag]]',
    'image save [-o <file|dir>] [--format oci|docker] [--pool <pool>] <image>',
    'image inspect [--pool <pool>] <image> ...',
    'image ls [--pool <pool>]',
    'image rm [-f] [--pool <pool>] <image> ...',
  ],
  run(ctx, args) {
    helpIfAsked(args);
    const [sub, ...rest] = args;
    switch (sub) {
      case 'load':
        return load(ctx, rest);
      case 'ls':
      case 'list': {
        const p = parseOptions(rest, { longValues: ['pool'] });
        if (p.operands.length > 0) throw new UsageError('too many arguments');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        const sizes = new Map(imagesSpace(ctx.home, pool).images.map((i) => [i.top, i.size]));
        const rows = listImages(ctx.home, pool).map((r) => {
          const at = r.ref.lastIndexOf(':');
          return [r.ref.slice(0, at), r.ref.slice(at + 1), shortId(r.id), String(r.layers), nicenum(sizes.get(r.top) ?? 0), r.top];
        });
        ctx.out.write(drawTable(['REPOSITORY', 'TAG', 'IMAGE ID', 'LAYERS', 'SIZE', 'DATASET'], rows, ['left', 'left', 'left', 'right', 'right', 'left']));
        return 0;
      }
      case 'rm': {
        const p = parseOptions(rest, { flags: 'f', longValues: ['pool'] });
        if (p.operands.length === 0) throw new UsageError('missing image argument');
        const pool = imagePool(ctx.home, valueOf(p, 'pool'));
        // As docker: each image on its own; a refusal is reported and the others go on.
        let status = 0;
        for (const name of p.operands) {
          try {
            for (const line of removeImage(ctx.home, pool, name, ctx.historyLine, p.flags.has('f'))) ctx.out.write(`${line}\n`);
          } catch (err) {
            if (!(err instanceof ZfsError)) throw err;
            ctx.err.write(err.lines.map((l) => `${l}\n`).join(''));
            status = 1;
          }
        }
        return status;
      }
      case 'save':
        return save(ctx, rest);
      case 'inspect':
        return inspect(ctx, rest);
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
    const bar = layerProgress(ctx, 'loading');
    try {
      report = storeImage(ctx.home, pool, image, refs, ctx.historyLine, bar.report);
    } finally {
      bar.finish();
    }
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

/** A bar on a terminal for an image command: `VERB layer N/M`, bytes of all layers. */
export function layerProgress(ctx: CommandContext, verb: string): { report: StoreProgress; finish(): void } {
  let bar: Progress | null | undefined;
  let at = '';
  return {
    report: (e) => {
      if (bar === undefined) bar = Progress.start(ctx.err, { label: '', total: e.total });
      if (bar === null) return;
      // commit reads the container's changes first, then applies them as the image's new layer
      const label = e.phase === 'commit' ? `${verb}: reading changes` : `${verb} layer ${e.layer + 1}/${e.layers}`;
      if (label !== at) {
        at = label;
        bar.relabel(label);
      }
      bar.advance(e.bytes);
    },
    finish: () => bar?.finish(),
  };
}

function save(ctx: CommandContext, args: string[]): number {
  const p = parseOptions(args, { values: 'o', longValues: ['pool', 'format'] });
  if (p.operands.length === 0) throw new UsageError('missing image argument');
  if (p.operands.length > 1) throw new UsageError('too many arguments');
  const format = (valueOf(p, 'format') ?? 'oci') as SaveFormat;
  if (format !== 'oci' && format !== 'docker') throw new UsageError(`invalid format '${String(format)}': expected oci or docker`);
  const output = valueOf(p, 'o');
  if ((output === undefined || output === '-') && ctx.out.isTTY) throw new ZfsError(['cannot save image: cowardly refusing to save to a terminal. Use the -o flag or redirect']);
  const pool = imagePool(ctx.home, valueOf(p, 'pool'));
  const bar = layerProgress(ctx, 'saving');
  let files;
  try {
    files = archiveFiles(imageToSave(ctx.home, pool, p.operands[0], bar.report), format);
  } finally {
    bar.finish();
  }
  if (output === undefined || output === '-') {
    writeTar(files, (chunk) => ctx.out.write(chunk));
    return 0;
  }
  try {
    const isDir = output.endsWith('/') || (fs.existsSync(output) && fs.statSync(output).isDirectory());
    if (isDir) writeDir(files, output);
    else {
      // The archive appears whole or not at all.
      const tmp = path.join(path.dirname(output), `.${path.basename(output)}.tszfs-${process.pid}`);
      const fd = fs.openSync(tmp, 'w');
      try {
        writeTar(files, (chunk) => {
          for (let done = 0; done < chunk.length; ) done += fs.writeSync(fd, chunk, done);
        });
        fs.closeSync(fd);
        fs.renameSync(tmp, output);
      } catch (err) {
        try {
          fs.closeSync(fd);
        } catch {
          // closed already
        }
        fs.rmSync(tmp, { force: true });
        throw err;
      }
    }
  } catch (err) {
    throw new ZfsError([`cannot save image: cannot write '${output}': ${strerror(err)}`]);
  }
  return 0;
}

/** `docker image inspect`'s fields that mean something here, from the config and the datasets. */
function inspect(ctx: CommandContext, args: string[]): number {
  const p = parseOptions(args, { longValues: ['pool'] });
  if (p.operands.length === 0) throw new UsageError('missing image argument');
  const pool = imagePool(ctx.home, valueOf(p, 'pool'));
  const space = imagesSpace(ctx.home, pool);
  const found: unknown[] = [];
  const missing: string[] = [];
  for (const name of p.operands) {
    let img;
    try {
      img = findImage(ctx.home, pool, name);
    } catch (err) {
      if (!(err instanceof ZfsError)) throw err;
      missing.push(name);
      continue;
    }
    const config = JSON.parse(imageConfig(ctx.home, img.top).toString('utf8')) as Record<string, unknown> & { rootfs?: { type?: string; diff_ids?: string[] } };
    const refs = listImages(ctx.home, pool).filter((r) => r.top === img.top && r.ref !== '<none>:<none>').map((r) => r.ref);
    found.push({
      Id: img.id,
      RepoTags: refs,
      RepoDigests: [],
      Parent: '',
      Comment: typeof config.comment === 'string' ? config.comment : '',
      Created: typeof config.created === 'string' ? config.created : '',
      Author: typeof config.author === 'string' ? config.author : '',
      Config: config.config ?? null,
      Architecture: config.architecture ?? '',
      Os: config.os ?? '',
      ...(typeof config.variant === 'string' ? { Variant: config.variant } : {}),
      Size: space.images.find((i) => i.top === img.top)?.size ?? 0,
      GraphDriver: { Data: { Dataset: img.top, Layers: layerChain(ctx.home, pool, img.top).map((l) => l.dataset) }, Name: 'zfs' },
      RootFS: { Type: config.rootfs?.type ?? 'layers', Layers: config.rootfs?.diff_ids ?? [] },
      Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
    });
  }
  ctx.out.write(`${JSON.stringify(found, null, 4)}\n`);
  for (const name of missing) ctx.err.write(`Error: No such image: ${name}\n`);
  return missing.length ? 1 : 0;
}
