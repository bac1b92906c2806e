/**
 * `tszfs write [-p] [--append | --offset N] FILESYSTEM PATH [SOURCE]`: SOURCE (default stdin) into
 * PATH; `tszfs write [--offset N] VOLUME [SOURCE]`: SOURCE into the volume's bytes from N (default 0).
 */
import * as fs from 'node:fs';
import type { WriteMode } from '../../engine/files/fs-writer.js';
import type { ByteSource } from '../../engine/pool/staging.js';
import { contentsOf, writeFile, writeVolume } from '../../lib/files.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import { parseSize, SizeError } from '../../lib/sizes.js';
import { Input, type Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';
import { Progress } from '../progress.js';

/** Reads the input synchronously: the whole write is one transaction group, in bounded memory. */
function inputSource(input: Input, name: string, size: number | null, progress: Progress | null): ByteSource {
  return {
    // A regular file never waits on another process: it is read inside the transaction as it is.
    settled: size !== null,
    read(buf, offset, length) {
      try {
        const n = input.read(buf, offset, length);
        progress?.advance(n);
        return n;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== undefined) throw ZfsError.action(`cannot read '${name}'`, strerror(err).toLowerCase());
        throw err;
      }
    },
  };
}

export const command: Command = {
  usage: ['write [-p] [--append | --offset <bytes>] <filesystem> <path> [<source>]', 'write [--offset <bytes>] <volume> [<source>]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p', longFlags: ['append'], longValues: ['offset'] });
    const [dataset, ...rest] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    // With fewer than three operands, the dataset's type says whether the second one is a path.
    const volume = rest.length < 2 && contentsOf(ctx.home, dataset) === 'volume';
    const path = volume ? null : rest[0];
    const [source, ...extra] = volume ? rest : rest.slice(1);
    if (path === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const offsetArg = valueOf(p, 'offset');
    if (offsetArg !== undefined && p.flags.has('append')) throw new UsageError('--append and --offset are mutually exclusive');
    if (volume && (p.flags.has('p') || p.flags.has('append'))) throw new UsageError("'-p' and '--append' can only be used when writing a file");
    let mode: WriteMode = p.flags.has('append') ? { kind: 'append' } : { kind: 'replace' };
    if (offsetArg !== undefined) {
      try {
        mode = { kind: 'offset', offset: Number(parseSize(offsetArg)) };
      } catch (err) {
        if (err instanceof SizeError) throw new UsageError(`bad offset '${offsetArg}': ${err.aux}`);
        throw err;
      }
    }
    let fd: number | null = null;
    if (source !== undefined && source !== '-') {
      try {
        fd = fs.openSync(source, 'r');
      } catch (err) {
        throw ZfsError.action(`cannot open '${source}'`, strerror(err).toLowerCase());
      }
    }
    // Input typed at the terminal is no transfer to watch.
    const input = fd === null ? ctx.in : new Input(fd);
    const typed = fd === null && ctx.in.isTTY;
    const size = input.regularFileSize();
    const progress = Progress.start(ctx.err, { label: `writing ${path ?? dataset}`, total: size, sharesTerminalWithOutput: typed });
    try {
      const src = inputSource(input, source === undefined || source === '-' ? 'standard input' : source, size, progress);
      if (path === null) writeVolume(ctx.home, dataset, mode.kind === 'offset' ? mode.offset : 0, src);
      else writeFile(ctx.home, dataset, path, mode, src, { parents: p.flags.has('p') });
    } finally {
      progress?.finish();
      if (fd !== null) fs.closeSync(fd);
    }
    return 0;
  },
};
