/** `zfs groupspace`: `zfs userspace` with the group types by default (commands/userspace.ts). */
import { groupspaceCommand } from './userspace.js';

export const command = groupspaceCommand;
