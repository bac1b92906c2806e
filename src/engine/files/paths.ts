/** Paths inside a dataset: `/a/b`, `a/b` and `./a/../a/b` all name the same file. */
import { EngineError } from '../errno.js';

/** PATH_MAX and NAME_MAX of Linux: a path of PATH_MAX bytes leaves no room for its NUL. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

export function pathComponents(path: string): string[] {
  if (path.includes('\0')) throw new EngineError('EINVAL', 'invalid path');
  if (Buffer.byteLength(path) >= PATH_MAX) throw new EngineError('ENAMETOOLONG');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new EngineError('EINVAL', 'path leaves the dataset');
      parts.pop();
    } else if (Buffer.byteLength(part) > NAME_MAX) {
      throw new EngineError('ENAMETOOLONG');
    } else {
      parts.push(part);
    }
  }
  return parts;
}

export const displayPath = (parts: string[]): string => '/' + parts.join('/');

/** A path ending in `/` (or `/.`) names a directory: on anything else the walk fails ENOTDIR. */
export const namesDirectory = (path: string): boolean => path.endsWith('/') || path.endsWith('/.');
