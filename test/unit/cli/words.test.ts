/** The words of a batch line, as sh reads a simple command without expansions (src/cli/words.ts). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { splitWords } from '../../../src/cli/words.js';

describe('splitWords', () => {
  it('reads quotes, backslashes and comments as sh does', () => {
    const cases = [
      `list -H -o name`,
      `  snapshot   tank@a\t tank@b  `,
      `set 'com.example:note=two words' tank`,
      `set "com.example:q=say \\"hi\\" \\$HOME \\n" tank`,
      `write tank /a\\ b`,
      `get all tank # the rest is a comment`,
      `snapshot tank@x#y`,
      `a''b "" ''`,
      `# only a comment`,
      ``,
    ];
    for (const line of cases) {
      // sh -c 'printf "%s\n" LINE' prints the words sh sees, one per line.
      const sh = spawnSync('sh', ['-c', `for w in ${line}\ndo printf '%s\\n' "$w"; done`], { encoding: 'utf8' });
      expect(splitWords(line), line).toEqual({ words: sh.stdout === '' ? [] : sh.stdout.slice(0, -1).split('\n') });
    }
  });

  it('refuses an unterminated quote or a trailing backslash', () => {
    expect(splitWords(`list 'tank`)).toEqual({ error: 'unterminated quote' });
    expect(splitWords(`list "tank`)).toEqual({ error: 'unterminated quote' });
    expect(splitWords(`list tank\\`)).toEqual({ error: 'backslash at the end of the line' });
  });
});
