/** Paths inside a dataset: `/a/b`, `a/b` and `./a/../a/b` all name the same file. */
import { EngineError } from '../errno.js';

export function pathComponents(path: string): string[] {
  if (path.includes('\0')) throw new EngineError('EINVAL', 'invalid path');
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length === 0) throw new EngineError('EINVAL', 'path leaves the dataset');
      parts.pop();
    } else if (Buffer.byteLength(part) > 255) {
      throw new EngineError('EINVAL', 'file name too long');
    } else {
      parts.push(part);
    }
  }
  return parts;
}

export const displayPath = (parts: string[]): string => '/' + parts.join('/');
