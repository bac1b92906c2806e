/**
 * `zfs userspace` and `zfs groupspace [-Hinp] [-o field[,...]] [-s field]... [-S field]...
 * [-t type[,...]] FILESYSTEM|SNAPSHOT` (zfs_main.c zfs_do_userspace, userspace_cb, us_compare,
 * print_us_node): one row per owner with space charged or a quota set.
 */
import { ZfsError } from '../../lib/errors.js';
import { hostGroupName, hostUserName } from '../../lib/ids.js';
import { sortKeyName } from '../../lib/listing.js';
import { ownerRows, type OwnerKind, type OwnerRow } from '../../lib/userspace.js';
import type { Command } from '../context.js';
import { nicebytes, nicenum } from '../format/nicenum.js';
import { parseOptions, UsageError } from '../parse.js';

const FIELDS = ['type', 'name', 'used', 'quota', 'objused', 'objquota'] as const;
type Field = (typeof FIELDS)[number];
const HEADERS: Record<Field, string> = { type: 'TYPE', name: 'NAME', used: 'USED', quota: 'QUOTA', objused: 'OBJUSED', objquota: 'OBJQUOTA' };

const PSX_GRP = 1;
const PSX_USR = 2;
const SMB_GRP = 4;
const SMB_USR = 8;
const ALL = 31;
const TYPE_BITS: Record<string, number> = { posixgroup: PSX_GRP, posixuser: PSX_USR, smbgroup: SMB_GRP, smbuser: SMB_USR, all: ALL };
const TYPE_NAMES: Record<number, string> = { [PSX_GRP]: 'POSIX Group', [PSX_USR]: 'POSIX User' };

interface Node {
  type: number;
  /** the host's name, or null (printed and compared as the number) */
  name: string | null;
  row: OwnerRow;
}

/** One owner's value of a size column, as the widths and rows print it. */
function sizeText(field: Field, value: number, parsable: boolean): string {
  if (parsable) return String(value);
  if ((field === 'quota' || field === 'objquota') && value === 0) return 'none';
  return field === 'used' || field === 'quota' ? nicebytes(value) : nicenum(value);
}

const strcmp = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)));
const cmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

function makeCommand(which: 'userspace' | 'groupspace'): Command {
  return {
    usage: [`${which} [-Hinp] [-o field[,...]] [-s field] ...`, '    [-S field] ... [-t type[,...]] <filesystem|snapshot|path>'],
    run(ctx, args) {
      if (args.length < 1) throw new UsageError(null);
      const p = parseOptions(args, { flags: 'nHpi', values: 'osSt', repeated: 'sS' });
      const sort: Array<{ key: string; reverse: boolean }> = [];
      for (const [option, name] of p.sequence) {
        if (option !== 's' && option !== 'S') continue;
        const key = sortKeyName(name);
        if (key === null) throw new UsageError(`invalid field '${name}'`);
        sort.push({ key, reverse: option === 'S' });
      }
      if (p.operands.length < 1) throw new UsageError('missing dataset name');
      if (p.operands.length > 1) throw new UsageError('too many arguments');
      const numeric = p.flags.has('n');
      const scripted = p.flags.has('H');
      const parsable = p.flags.has('p');

      const fields: Field[] = [];
      for (const f of (p.values.get('o')?.[0] ?? 'type,name,used,quota,objused,objquota').split(',')) {
        if (!(FIELDS as readonly string[]).includes(f)) {
          ctx.err.write(`invalid type '${f}' for -o option\n`);
          return 255;
        }
        fields.push(f as Field);
      }
      let types = which === 'groupspace' ? PSX_GRP | SMB_GRP : PSX_USR | SMB_USR;
      const t = p.values.get('t')?.[0];
      if (t !== undefined) {
        types = 0;
        for (const name of t.split(',')) {
          const bit = TYPE_BITS[name];
          if (bit === undefined) {
            ctx.err.write(`invalid type '${name}' for -t option\n`);
            return 255;
          }
          types |= bit;
        }
      }
      const kinds: OwnerKind[] = [];
      if (types & (PSX_USR | SMB_USR)) kinds.push('user');
      if (types & (PSX_GRP | SMB_GRP)) kinds.push('group');

      let rows: OwnerRow[];
      try {
        rows = ownerRows(ctx.home, p.operands[0], kinds);
      } catch (err) {
        if (!(err instanceof ZfsError)) throw err;
        ctx.err.write(err.lines.join('\n') + '\n');
        return err.exitCode;
      }
      const nodes: Node[] = rows.map((row) => ({
        type: row.kind === 'user' ? PSX_USR : PSX_GRP,
        name: numeric ? null : row.kind === 'user' ? hostUserName(row.id) : hostGroupName(row.id),
        row,
      }));

      // Widths: the headers, then every node's type and name and every value the kernel
      // reported (a quota of 0 that only fills a row is not measured).
      const width: Record<Field, number> = { type: 4, name: 4, used: 4, quota: 5, objused: 7, objquota: 8 };
      for (const n of nodes) {
        width.type = Math.max(width.type, TYPE_NAMES[n.type].length);
        width.name = Math.max(width.name, Buffer.byteLength(n.name ?? String(n.row.id)));
        if (n.row.used > 0) width.used = Math.max(width.used, sizeText('used', n.row.used, parsable).length);
        if (n.row.objused > 0) width.objused = Math.max(width.objused, sizeText('objused', n.row.objused, parsable).length);
        if (n.row.quota > 0) width.quota = Math.max(width.quota, sizeText('quota', n.row.quota, parsable).length);
        if (n.row.objquota > 0) width.objquota = Math.max(width.objquota, sizeText('objquota', n.row.objquota, parsable).length);
      }

      // us_compare: the -s/-S keys, then type and name; a node without a name compares as its
      // number (one with a name then as 0).
      const keys = [...sort, { key: 'type', reverse: false }, { key: 'name', reverse: false }];
      nodes.sort((a, b) => {
        for (const { key, reverse } of keys) {
          let rc = 0;
          if (key === 'type') rc = cmp(a.type, b.type);
          else if (key === 'name') {
            if (numeric || a.name === null || b.name === null) rc = cmp(a.name === null ? a.row.id : 0, b.name === null ? b.row.id : 0);
            else rc = strcmp(a.name, b.name);
          } else if (key === 'used') rc = cmp(a.row.used, b.row.used);
          else if (key === 'quota') rc = cmp(a.row.quota, b.row.quota);
          if (rc !== 0) return reverse ? -rc : rc;
        }
        return 0;
      });

      const cell = (field: Field, text: string, first: boolean): string => {
        const sep = first ? '' : scripted ? '\t' : '  ';
        if (scripted) return sep + text;
        const pad = ' '.repeat(Math.max(0, width[field] - Buffer.byteLength(text)));
        return sep + (field === 'type' || field === 'name' ? text + pad : pad + text);
      };
      let out = '';
      if (!scripted) out += fields.map((f, i) => cell(f, HEADERS[f], i === 0)).join('') + '\n';
      for (const n of nodes) {
        if (!(n.type & types)) continue;
        const text = (f: Field): string => {
          if (f === 'type') return TYPE_NAMES[n.type];
          if (f === 'name') return n.name ?? String(n.row.id);
          return sizeText(f, n.row[f], parsable);
        };
        out += fields.map((f, i) => cell(f, text(f), i === 0)).join('') + '\n';
      }
      ctx.out.write(out);
      return 0;
    },
  };
}

export const command = makeCommand('userspace');
export const groupspaceCommand = makeCommand('groupspace');
