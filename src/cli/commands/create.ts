/** `zfs create [-p] [-o property=value]... FILESYSTEM` and `zfs create [-ps] [-b blocksize] [-o property=value]... -V SIZE VOLUME` */
import { checkDatasetName } from '../../lib/names.js';
import { createFilesystem, createVolume, datasetExists, DEFAULT_VOLBLOCKSIZE, verifyCreate } from '../../lib/datasets/create.js';
import { ZfsError } from '../../lib/errors.js';
import { parseSize, SizeError } from '../../lib/sizes.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf, type Parsed } from '../parse.js';
import { keyIoOf, propertyArgs } from './shared.js';

/** `-V`/`-b` read as zfs_nicestrtonum does; a bad one fails the command (exit 1), not its usage. */
function sizeOption(value: string, what: string): bigint {
  try {
    return parseSize(value);
  } catch (err) {
    if (err instanceof SizeError) throw new ZfsError([`bad ${what} '${value}': ${err.aux}`]);
    throw err;
  }
}

export const command: Command = {
  usage: [
    'create [-Pnpuv] [-o property=value] ... <filesystem>',
    'create [-Pnpsv] [-b blocksize] [-o property=value] ... -V <size> <volume>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'psPnuv', values: 'oVb', repeated: 'o', missingMessage: 'missing size argument' });
    const sizeArg = valueOf(p, 'V');
    const blocksizeArg = valueOf(p, 'b');
    // Each -V and -b is parsed where it stands, as getopt meets them.
    const size = sizeArg === undefined ? undefined : sizeOption(sizeArg, 'volume size');
    const blocksize = blocksizeArg === undefined ? undefined : String(sizeOption(blocksizeArg, 'volume block size'));
    if ((blocksize !== undefined || p.flags.has('s')) && size === undefined) {
      throw new UsageError("'-s' and '-b' can only be used when creating a volume");
    }
    if (p.flags.has('u') && size !== undefined) throw new UsageError("'-u' can only be used when creating a filesystem");
    if (p.operands.length === 0) throw new UsageError(`missing ${size === undefined ? 'filesystem' : 'volume'} argument`);
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    const props = propertyArgs(p.values.get('o'));
    const parents = p.flags.has('p');
    const dryRun = p.flags.has('n');
    const parsable = p.flags.has('P');
    const verbose = parsable || p.flags.has('v');
    const name = p.operands[0];
    const type = size === undefined ? 'filesystem' : 'volume';
    if (dryRun) verifyCreate(ctx.home, name, type, props, size, blocksize);
    if (parents && checkDatasetName(name, ['filesystem'], false) === null) {
      // With -p an existing target is no error; nothing is printed or logged.
      if (datasetExists(ctx.home, name, type)) return 0;
      if (verbose) ctx.out.write(parsable ? `create_ancestors\t${name}\n` : `${dryRun ? 'would create' : 'create'} ancestors of ${name}\n`);
    }
    if (verbose) {
      const lines = [parsable ? `create\t${name}` : `${dryRun ? 'would create' : 'create'} ${name}`];
      for (const [k, v] of verboseProperties(p, size !== undefined)) lines.push(parsable ? `property\t${k}\t${v}` : `\t${k}=${v}`);
      ctx.out.write(lines.join('\n') + '\n');
    }
    if (dryRun) return 0;
    if (size === undefined) {
      createFilesystem(ctx.home, name, { parents, props, noMount: p.flags.has('u'), keyIo: keyIoOf(ctx) }, ctx.historyLine);
      return 0;
    }
    const warn = (lines: string[]) => ctx.err.write(lines.map((l) => l + '\n').join(''));
    createVolume(ctx.home, name, { parents, props, size, blocksize, sparse: p.flags.has('s'), warn, keyIo: keyIoOf(ctx) }, ctx.historyLine);
    return 0;
  },
};

/**
 * The properties -v and -P list, as zfs_do_create's nvlist holds them: -V, -b and -o in
 * command-line order (a name given again moves to the end), then for a volume its block size
 * when not the default, its size again when rounded up to it, and (without -s) its
 * refreservation, which tszfs makes exactly volsize.
 */
function verboseProperties(p: Parsed, volume: boolean): Array<[string, string]> {
  const list: Array<[string, string, 'number' | 'string']> = [];
  const add = (name: string, value: string, kind: 'number' | 'string') => {
    const at = list.findIndex(([n]) => n === name);
    if (at >= 0) list.splice(at, 1);
    list.push([name, value, kind]);
  };
  for (const [option, value] of p.sequence) {
    if (option === 'V') add('volsize', String(sizeOption(value, 'volume size')), 'number');
    else if (option === 'b') add('volblocksize', String(sizeOption(value, 'volume block size')), 'number');
    else if (option === 'o') {
      const eq = value.indexOf('=');
      add(value.slice(0, eq), value.slice(eq + 1), 'string');
    }
  }
  if (volume) {
    const given = list.find(([n]) => n === 'volblocksize');
    const blocksize = given ? Number(given[2] === 'number' ? given[1] : sizeOption(given[1], 'volume block size')) : DEFAULT_VOLBLOCKSIZE;
    if (blocksize !== DEFAULT_VOLBLOCKSIZE && given?.[2] !== 'string') add('volblocksize', String(blocksize), 'string');
    let volsize = BigInt(list.find(([n]) => n === 'volsize')![1]);
    if (volsize % BigInt(blocksize) !== 0n) {
      volsize = ((volsize + BigInt(blocksize) - 1n) / BigInt(blocksize)) * BigInt(blocksize);
      add('volsize', String(volsize), 'number');
    }
    if (!p.flags.has('s') && list.find(([n, , kind]) => n === 'refreservation' && kind === 'string') === undefined) {
      add('refreservation', String(volsize), 'number');
    }
  }
  return list.map(([n, v]) => [n, v]);
}
