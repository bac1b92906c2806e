/**
 * User and group names of the host (its /etc/passwd and /etc/group), as chown, ls -l and stat
 * show them: tszfs records numbers (any numbers, no root needed), and names only translate.
 */
import * as fs from 'node:fs';

type Table = { byName: Map<string, number>; byId: Map<number, string> };
const tables = new Map<string, Table>();

function table(file: string): Table {
  let t = tables.get(file);
  if (t) return t;
  t = { byName: new Map(), byId: new Map() };
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // No such file on this host: numbers only.
  }
  for (const line of text.split('\n')) {
    const [name, , id] = line.split(':');
    if (!name || id === undefined || !/^\d+$/.test(id)) continue;
    if (!t.byName.has(name)) t.byName.set(name, Number(id));
    if (!t.byId.has(Number(id))) t.byId.set(Number(id), name);
  }
  tables.set(file, t);
  return t;
}

const users = () => table('/etc/passwd');
const groups = () => table('/etc/group');

/** The uid `name` stands for (a name of the host, or a number), or null. */
export const userId = (name: string): number | null => (/^\d+$/.test(name) ? Number(name) : (users().byName.get(name) ?? null));
export const groupId = (name: string): number | null => (/^\d+$/.test(name) ? Number(name) : (groups().byName.get(name) ?? null));
/** The host's name for a uid, or the number as text (as ls -l prints an unknown owner). */
export const userName = (uid: number): string => users().byId.get(uid) ?? String(uid);
export const groupName = (gid: number): string => groups().byId.get(gid) ?? String(gid);
/** The host's name for a uid or gid, or null (getpwuid/getgrgid finding none). */
export const hostUserName = (uid: number): string | null => users().byId.get(uid) ?? null;
export const hostGroupName = (gid: number): string | null => groups().byId.get(gid) ?? null;
