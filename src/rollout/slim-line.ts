// Cutting the bulky strings out of a long rollout line before it is parsed, for readers that only
// ever look at the first few hundred characters of them (the metadata and search-text reads).
// A 0.169 CommandExecution item_completed line carries the command's whole output (tens of KB)
// while the search text keeps its first OUTPUT_CHARS characters: decoding and parsing the rest was
// a third of a cold index's parse time.
//
// The cut is made on the line's bytes: each named string value is found by its key literal (an
// unescaped `"key":"` can only be an object member, never text inside a string), its closing quote
// by indexOf jumps, and it is cut at a character boundary at most SLIM_KEEP_BYTES into the literal,
// which still decodes to at least SLIM_KEEP_BYTES / 6 characters (an escape takes at most six
// bytes per UTF-16 unit). Like the envelope-only read, the dropped part is not validated.

/** Raw bytes of a cut string literal that are kept: at least 682 characters, more than any reader takes. */
export const SLIM_KEEP_BYTES = 4096;

/** Key literals (with the value's opening quote) of strings the index reads the head of only. */
export const INDEX_SLIM_KEYS: readonly Buffer[] = [
  // command output: the search text keeps its first OUTPUT_CHARS (src/rollout/search-text.ts)
  '"aggregated_output":"', '"formatted_output":"', '"stdout":"', '"stderr":"',
  // session_meta's instructions: never read by the metadata
  '"base_instructions":{"text":"',
].map((k) => Buffer.from(k));

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Index of the quote closing the string literal whose contents start at `from`; -1 if none. */
function closingQuote(bytes: Buffer, from: number): number {
  let at = from - 1;
  for (;;) {
    at = bytes.indexOf(QUOTE, at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    for (let i = at - 1; i >= from && bytes[i] === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** The last offset ≤ from + max in [from, end) that starts a whole character or escape. */
function cutPoint(bytes: Buffer, from: number, max: number): number {
  const limit = from + max;
  let at = from;
  for (;;) {
    const b = bytes[at];
    const width = b === BACKSLASH ? (bytes[at + 1] === 0x75 ? 6 : 2) : b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    if (at + width > limit) return at;
    at += width;
  }
}

/**
 * The line's text with the values of `keys` cut to their first SLIM_KEEP_BYTES bytes; null when
 * nothing needed cutting (the caller decodes the line as usual).
 */
export function slimLineText(bytes: Buffer, keys: readonly Buffer[]): string | null {
  let cuts: Array<[number, number]> | null = null;
  for (const key of keys) {
    let search = 0;
    for (;;) {
      const at = bytes.indexOf(key, search);
      if (at < 0) break;
      const start = at + key.length;
      const end = closingQuote(bytes, start);
      if (end < 0) break;
      if (end - start > SLIM_KEEP_BYTES) (cuts ??= []).push([cutPoint(bytes, start, SLIM_KEEP_BYTES), end]);
      search = end + 1;
    }
  }
  if (cuts === null) return null;
  cuts.sort((a, b) => a[0] - b[0]);
  let text = '';
  let from = 0;
  for (const [cut, end] of cuts) {
    if (cut < from) return null; // overlapping matches: not a shape Codex writes; parse it whole
    text += bytes.toString('utf8', from, cut);
    from = end;
  }
  return text + bytes.toString('utf8', from, bytes.length);
}
