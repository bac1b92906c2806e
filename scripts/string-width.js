/**
 * Stands in for the `string-width` package inside the bundle (scripts/bundle.mjs aliases it).
 * yargs and cliui use it only to lay out yargs's own help screens, which tszfs never shows
 * (help is off; usage text comes from src/cli/usage.ts). The real package builds a large emoji
 * regular expression when it loads, ~20 ms of every start-up; this one measures what a terminal
 * would: ANSI escapes take no columns, East Asian wide characters take two.
 */
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

function isWide(cp) {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

export default function stringWidth(text) {
  if (typeof text !== 'string' || text.length === 0) return 0;
  let width = 0;
  for (const ch of text.replace(ANSI, '')) {
    const cp = ch.codePointAt(0);
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0x300 && cp <= 0x36f) || cp === 0x200b) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}
