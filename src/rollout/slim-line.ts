// Cutting the bulky strings out of a long rollout line before it is parsed, for readers that only
// ever look at the first few hundred characters of them (the metadata and search-text reads).
// A 0.169 CommandExecution item_completed line carries the command's whole output (tens of KB)
// while the search text keeps its first OUTPUT_CHARS characters: decoding and parsing the rest was
// a third of a cold index's parse time.
//
// The cut is made on the line's bytes: string literals are found by indexOf jumps from quote to
// quote, a long one is cut when the key literal before it is one of the given ones (`"key":"`
// just before a string's opening quote can only be that member's key), at a character boundary at
// most SLIM_KEEP_BYTES into the literal,
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

/** True when the string literal opening at `open` is the value of one of `keys`. */
function isValueOf(bytes: Buffer, open: number, keys: readonly Buffer[]): boolean {
  for (const key of keys) {
    const from = open + 1 - key.length;
    if (from >= 0 && bytes.compare(key, 0, key.length, from, open + 1) === 0) return true;
  }
  return false;
}

/**
 * The line's text with the values of `keys` cut to their first SLIM_KEEP_BYTES bytes; null when
 * nothing needed cutting (the caller decodes the line as usual). The line is walked from string
 * literal to string literal (outside strings, JSON has no quotes), so each byte is looked at by
 * one native search, whatever the number of keys; only a long literal's key is compared.
 */
export function slimLineText(bytes: Buffer, keys: readonly Buffer[]): string | null {
  let text: string | null = null;
  let from = 0;
  let open = bytes.indexOf(QUOTE);
  while (open >= 0) {
    const close = closingQuote(bytes, open + 1);
    if (close < 0) break;
    if (close - open > SLIM_KEEP_BYTES && isValueOf(bytes, open, keys)) {
      text = (text ?? '') + bytes.toString('utf8', from, cutPoint(bytes, open + 1, SLIM_KEEP_BYTES));
      from = close;
    }
    open = bytes.indexOf(QUOTE, close + 1);
  }
  return text === null ? null : text + bytes.toString('utf8', from, bytes.length);
}
