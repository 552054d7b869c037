// Joins a command's argv into one string the way Codex shows it: Rust `shlex::try_join`
// (shlex 1.3). Each word is cut into chunks, each written with the first style that covers it,
// in this order of preference: bare, 'single-quoted', "double-quoted" (with `"` and `\` escaped).
// A word that has to be split between styles comes out as adjacent quoted chunks, e.g. `'a'"'"`.

const BARE = 1;
const SINGLE = 2;
const DOUBLE = 4;

/** ASCII characters that need no quoting at all. */
const BARE_CHARS = /^[A-Za-z0-9+\-./:@\]_]$/;

function stylesFor(ch: string): number {
  const code = ch.codePointAt(0)!;
  if (code >= 0x80) return SINGLE | DOUBLE; // non-ASCII is always quoted
  let ok = SINGLE | DOUBLE;
  if (BARE_CHARS.test(ch)) ok |= BARE;
  // In single quotes: no `'`; no `\` (fish reads it as an escape); `^` only right after the opening quote.
  if (ch === "'" || ch === '\\' || ch === '^') ok &= ~SINGLE;
  // In double quotes: no `$` or backquote (Python shlex keeps their backslash); no `!` or `^` (history expansion).
  if (ch === '$' || ch === '`' || ch === '!' || ch === '^') ok &= ~DOUBLE;
  return ok;
}

/** The longest prefix of `chars` (from `start`) that one style covers, and that style. */
function nextChunk(chars: string[], start: number): { end: number; style: number } {
  let allowed = BARE | SINGLE | DOUBLE;
  let i = start;
  if (chars[i] === '^') {
    // A leading `^` may only open a single-quoted chunk.
    allowed = SINGLE;
    i += 1;
  }
  for (; i < chars.length; i++) {
    const next = allowed & stylesFor(chars[i]);
    if (next === 0) break;
    allowed = next;
  }
  const style = allowed & BARE ? BARE : allowed & SINGLE ? SINGLE : DOUBLE;
  return { end: i, style };
}

/** One argv word, quoted only when it has to be. */
export function quoteWord(word: string): string {
  if (word === '') return "''";
  const chars = Array.from(word);
  let out = '';
  let start = 0;
  while (start < chars.length) {
    const { end, style } = nextChunk(chars, start);
    const chunk = chars.slice(start, end).join('');
    if (style === BARE) out += chunk;
    else if (style === SINGLE) out += `'${chunk}'`;
    else out += `"${chunk.replace(/["\\]/g, (c) => `\\${c}`)}"`;
    start = end;
  }
  return out;
}

/** The words joined by single spaces, each quoted as `shlex::try_join` does. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map(quoteWord).join(' ');
}
