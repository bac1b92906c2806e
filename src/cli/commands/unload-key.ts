/** `zfs unload-key [-r] <-a | filesystem|volume>` */
import type { Command } from '../context.js';
import { loadUnloadKeys } from './load-key.js';

export const command: Command = {
  usage: ['unload-key [-r] <-a | filesystem|volume>'],
  run: (ctx, args) => loadUnloadKeys(ctx, args, false),
};
