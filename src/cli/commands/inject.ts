/**
 * `tszfs inject [-d device [-e io|checksum|corrupt|nxio] [-T read|write|all] pool] [-c id|all]`:
 * faults on purpose, as zinject -d (lib/inject.ts). Without arguments it lists the handlers.
 */
import { clearInjectHandlers, injectDevice, listInjectHandlers } from '../../lib/inject.js';
import { ZfsError } from '../../lib/errors.js';
import type { Command } from '../context.js';
import { parseOptions, UsageError, valueOf } from '../parse.js';

const ERRORS: Record<string, 'io' | 'checksum' | 'nxio'> = { io: 'io', checksum: 'checksum', corrupt: 'checksum', nxio: 'nxio' };
const IOTYPES = ['read', 'write', 'all'] as const;

export const command: Command = {
  usage: ['inject [-d device [-e io|checksum|corrupt|nxio] [-T read|write|all] pool]', '    [-c <id|all>]'],
  run(ctx, args) {
    const p = parseOptions(args, { values: 'deTc' });
    const cancel = valueOf(p, 'c');
    const device = valueOf(p, 'd');
    if (cancel !== undefined) {
      if (device !== undefined || valueOf(p, 'e') !== undefined || valueOf(p, 'T') !== undefined) {
        throw new UsageError('cancel (-c) incompatible with any other options');
      }
      if (p.operands.length > 0) throw new UsageError("extraneous argument to '-c'");
      if (cancel === 'all') {
        clearInjectHandlers(ctx.home, null);
        ctx.out.write('removed all registered handlers\n');
        return 0;
      }
      if (!/^\d+$/.test(cancel)) throw new ZfsError([`invalid handle id '${cancel}': must be an integer or 'all'`]);
      if (!clearInjectHandlers(ctx.home, Number(cancel))) {
        throw new ZfsError([`failed to remove handler ${cancel}: No such file or directory`]);
      }
      ctx.out.write(`removed handler ${cancel}\n`);
      return 0;
    }
    if (device === undefined) {
      if (p.operands.length > 0) throw new UsageError('missing device (-d)');
      const rows = listInjectHandlers(ctx.home);
      if (rows.length === 0) {
        ctx.out.write("No handlers registered.\nRun 'tszfs inject -h' for usage information.\n");
        return 0;
      }
      ctx.out.write(`${'ID'.padStart(3)}  ${'POOL'.padEnd(15)}  ${'GUID'.padEnd(16)}  ${'TYPE'.padEnd(5)}  ${'ERROR'.padEnd(10)}  ${'FREQ'.padEnd(9)}  ${'MATCH'.padEnd(6)}  INJECT\n`);
      ctx.out.write('---  ---------------  ----------------  -----  ----------  ---------  ------  ------\n');
      for (const { pool, handler: h } of rows) {
        const guid = BigInt(h.guid).toString(16);
        ctx.out.write(`${String(h.id).padStart(3)}  ${pool.padEnd(15)}  ${guid}  ${h.iotype.padEnd(5)}  ${h.error.padEnd(10)}  ${'100.0000%'.padStart(9)}  ${'0'.padStart(6)}  ${'0'.padStart(6)}\n`);
      }
      ctx.out.write('\n');
      return 0;
    }
    const errorArg = valueOf(p, 'e') ?? 'nxio';
    const error = ERRORS[errorArg];
    if (!error) throw new UsageError(`invalid error type '${errorArg}': must be one of: io checksum corrupt nxio`);
    const iotypeArg = valueOf(p, 'T') ?? 'all';
    if (!(IOTYPES as readonly string[]).includes(iotypeArg)) throw new UsageError(`invalid I/O type '${iotypeArg}': must be 'read', 'write' or 'all'`);
    if (p.operands.length !== 1) throw new UsageError('device (-d) injection requires a single pool name');
    const pool = p.operands[0];
    const h = injectDevice(ctx.home, pool, device, error, iotypeArg as (typeof IOTYPES)[number]);
    ctx.out.write(`Added handler ${h.id} with the following properties:\n  pool: ${pool}\n  vdev: ${BigInt(h.guid).toString(16)}\niotype: ${h.iotype}\n`);
    return 0;
  },
};
