/**
 * A batch line (`tszfs batch`) read into words as a POSIX shell reads a simple command, without
 * expansions: blanks separate words; 'single quotes' keep everything; "double quotes" keep all but
 * `\"`, `\\`, `\$` and `` \` `` (the backslash goes); a backslash outside quotes keeps the next
 * character; `#` at the start of a word starts a comment. So a line copied from a shell script
 * means the same here, as long as it uses no variables, globs or pipes.
 */

/** The words of `line`, or the reason it cannot be read (an unterminated quote). */
export function splitWords(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === '#' && word === null) {
      break;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: 'unterminated quote' };
      word = (word ?? '') + line.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      let text = '';
      for (i++; i < line.length && line[i] !== '"'; i++) {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1])) i++;
        text += line[i];
      }
      if (i >= line.length) return { error: 'unterminated quote' };
      word = (word ?? '') + text;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'backslash at the end of the line' };
      word = (word ?? '') + line[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== null) words.push(word);
  return { words };
}
