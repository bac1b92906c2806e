/** `zfs receive [-Fnuv] [-d | -e] TARGET` (alias recv): a stream from standard input. */
import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { ZfsError } from '../../lib/errors.js';
import { receive } from '../../lib/receive.js';
import { nicebytes } from '../format/nicenum.js';
import { waitBriefly, type Command } from '../context.js';
import { parseOptions, UsageError } from '../parse.js';

export const command: Command = {
  usage: [
    'receive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...',
    '    <filesystem|volume|snapshot>',
    'receive [-vMnsFhu] [-o <property>=<value>] ... [-x <property>] ...',
    '    [-d | -e] <filesystem>',
  ],
  run(ctx, args) {
    const p = parseOptions(args, { flags: 'vnFude', reportMissing: true });
    if (p.operands.length === 0) throw new UsageError('missing snapshot argument');
    if (p.operands.length > 1) throw new UsageError('too many arguments');
    if (p.flags.has('d') && p.flags.has('e')) throw new UsageError(null);
    if (tty.isatty(0)) throw new ZfsError(['Error: Backup stream can not be read from a terminal.', 'You must redirect standard input.']);
    let bytes = 0;
    const started = process.hrtime.bigint();
    const source = {
      read(buf: Buffer, offset: number, length: number): number {
        for (;;) {
          try {
            const n = fs.readSync(0, buf, offset, length, null);
            bytes += n;
            return n;
          } catch (err) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code === 'EAGAIN') waitBriefly();
            else if (code === 'EOF') return 0;
            else throw err;
          }
        }
      },
    };
    const naming = p.flags.has('d') ? 'd' : p.flags.has('e') ? 'e' : 'target';
    const dryRun = p.flags.has('n');
    const summaries = receive(ctx.home, p.operands[0], { force: p.flags.has('F'), dryRun, naming }, source, ctx.historyLine);
    if (p.flags.has('v')) {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const verb = dryRun ? 'would receive' : 'receiving';
      for (const s of summaries) ctx.out.write(`${verb} ${s.kind} stream of ${s.sent} into ${s.into}\n`);
      if (!dryRun) {
        const rate = nicebytes(Math.floor(bytes / Math.max(seconds, 1e-6)));
        ctx.out.write(`received ${nicebytes(bytes)} stream in ${seconds.toFixed(2)} seconds (${rate}/sec)\n`);
      }
    }
    return 0;
  },
};
