/** `tszfs write [-p] [--append | --offset N] DATASET PATH [SOURCE]`: SOURCE (default stdin) into PATH. */
import * as fs from 'node:fs';
import type { ByteSource, WriteMode } from '../../engine/files/fs-writer.js';
import { ZfsError } from '../../lib/errors.js';
import { writeFile } from '../../lib/files.js';
import { parseSize, SizeError } from '../../lib/sizes.js';
import { waitBriefly, type Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

/** Reads a descriptor synchronously: the whole write is one transaction group, in bounded memory. */
function fdSource(fd: number): ByteSource {
  return {
    read(buf, offset, length) {
      for (;;) {
        try {
          return fs.readSync(fd, buf, offset, length, null);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'EAGAIN') waitBriefly();
          else if (code === 'EOF') return 0;
          else throw err;
        }
      }
    },
  };
}

export const command: Command = {
  usage: ['write [-p] [--append | --offset <bytes>] <filesystem> <path> [<source>]'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'p', longFlags: ['append'], longValues: ['offset'] });
    const [dataset, path, source, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (path === undefined) throw new UsageError('missing path argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const offsetArg = valueOf(p, 'offset');
    if (offsetArg !== undefined && p.flags.has('append')) throw new UsageError('--append and --offset are mutually exclusive');
    let mode: WriteMode = p.flags.has('append') ? { kind: 'append' } : { kind: 'replace' };
    if (offsetArg !== undefined) {
      try {
        mode = { kind: 'offset', offset: Number(parseSize(offsetArg)) };
      } catch (err) {
        if (err instanceof SizeError) throw new UsageError(`bad offset '${offsetArg}': ${err.aux}`);
        throw err;
      }
    }
    let fd = 0;
    if (source !== undefined && source !== '-') {
      try {
        fd = fs.openSync(source, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw ZfsError.action(`cannot open '${source}'`, code === 'ENOENT' ? 'no such file or directory' : String(code));
      }
    }
    try {
      writeFile(ctx.home, dataset, path, mode, fdSource(fd), { parents: p.flags.has('p') });
    } finally {
      if (fd !== 0) fs.closeSync(fd);
    }
    return 0;
  },
};
