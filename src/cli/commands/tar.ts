/**
 * `tszfs tar -x [-f ARCHIVE|-] [-C PATH] FILESYSTEM`: an archive (plain, gzip or zstd, told by its
 * magic) into a filesystem, as one transaction; `tszfs tar -c [-z|--zstd] [-f ARCHIVE|-] [-C PATH]
 * FILESYSTEM[@SNAP]`: a reproducible PAX archive of its tree. Messages about members are GNU tar's
 * (`tar: ...`), and so is the exit status: 2 when a member failed or the archive is damaged.
 */
import * as fs from 'node:fs';
import type { ByteSource } from '../../engine/pool/staging.js';
import { strerror, ZfsError } from '../../lib/errors.js';
import { ArchiveError, type Compression } from '../../lib/tar/compression.js';
import { createArchive } from '../../lib/tar/create.js';
import { extractArchive } from '../../lib/tar/extract.js';
import { Input, type Command, type CommandContext } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

const FAILURE = 'Exiting with failure status due to previous errors';

export const command: Command = {
  usage: ['tar -x [-z|--zstd] [-f <archive>|-] [-C <path>] <filesystem>', 'tar -c [-z|--zstd] [-f <archive>|-] [-C <path>] <filesystem|snapshot>'],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'xcz', longFlags: ['zstd'], values: 'fC' });
    const extract = p.flags.has('x');
    if (extract === p.flags.has('c')) throw new UsageError(extract ? "You may not specify more than one '-c' or '-x' option" : "You must specify one of the '-c' or '-x' options");
    const [dataset, ...extra] = p.operands;
    if (dataset === undefined) throw new UsageError('missing dataset argument');
    if (extra.length > 0) throw new UsageError('too many arguments');
    const archive = valueOf(p, 'f') ?? '-';
    const directory = valueOf(p, 'C') ?? '/';
    const warn = (line: string) => ctx.err.write(`tar: ${line}\n`);
    // On input, -z and --zstd change nothing: the archive's first bytes say how it is compressed.
    if (extract) return runExtract(ctx, dataset, archive, directory, warn);
    const compression: Compression = p.flags.has('zstd') ? 'zstd' : p.flags.has('z') ? 'gzip' : 'none';
    if (p.flags.has('zstd') && p.flags.has('z')) throw new UsageError("'-z' and '--zstd' are mutually exclusive");
    let fd: number | null = null;
    if (archive === '-' && ctx.out.isTTY) {
      warn('Refusing to write archive contents to terminal (missing -f option?)');
      warn('Error is not recoverable: exiting now');
      return 2;
    }
    if (archive !== '-') {
      try {
        fd = fs.openSync(archive, 'w', 0o666);
      } catch (err) {
        throw ZfsError.action(`tar: ${archive}`, `Cannot open: ${strerror(err)}`);
      }
    }
    try {
      const out = fd === null ? (chunk: Buffer) => ctx.out.write(chunk) : (chunk: Buffer) => writeAll(fd!, chunk);
      createArchive(ctx.home, dataset, out, { directory, compression, warn });
    } finally {
      if (fd !== null) fs.closeSync(fd);
    }
    return 0;
  },
};

function writeAll(fd: number, chunk: Buffer): void {
  for (let done = 0; done < chunk.length; ) done += fs.writeSync(fd, chunk, done, chunk.length - done);
}

function runExtract(ctx: CommandContext, dataset: string, archive: string, directory: string, warn: (line: string) => void): number {
  let fd: number | null = null;
  if (archive !== '-') {
    try {
      fd = fs.openSync(archive, 'r');
    } catch (err) {
      warn(`${archive}: Cannot open: ${strerror(err)}`);
      warn('Error is not recoverable: exiting now');
      return 2;
    }
  }
  const input = fd === null ? ctx.in : new Input(fd);
  const name = archive === '-' ? 'standard input' : archive;
  const src: ByteSource = {
    // A regular file never waits on another process: read inside the transaction as it is.
    settled: input.regularFileSize() !== null,
    read(buf, offset, length) {
      try {
        return input.read(buf, offset, length);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== undefined) throw new ArchiveError(`${name}: Read error: ${strerror(err)}`);
        throw err;
      }
    },
  };
  try {
    return extractArchive(ctx.home, dataset, src, { directory, warn }) ? 0 : (warn(FAILURE), 2);
  } catch (err) {
    if (!(err instanceof ArchiveError)) throw err;
    if (err.detail) ctx.err.write(`${err.detail}\n`);
    warn(err.message);
    warn(err.fatal ? 'Error is not recoverable: exiting now' : FAILURE);
    return 2;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}
