/** `zfs hold [-r] TAG SNAPSHOT...` */
import { hold } from '../../lib/datasets/holds.js';
import type { Command } from '../context.js';
import { holdOrRelease } from './release.js';

export const command: Command = {
  usage: ['hold [-r] <tag> <snapshot> ...'],
  run: (ctx, args) => holdOrRelease(ctx, args, true, hold),
};
