// Finds where a value sits inside the text of a JSON document without parsing the rest: used to
// read one long string back from a rollout line as its raw literal. Strings are skipped with
// indexOf jumps, so a 60 KB output costs a few native searches, not a character loop.

export type KeyPath = ReadonlyArray<string | number>;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

class Cursor {
  readonly text: string;
  pos: number;
  constructor(text: string, pos = 0) {
    this.text = text;
    this.pos = pos;
  }

  skipWhitespace(): void {
    while (this.pos < this.text.length && WHITESPACE.has(this.text.charCodeAt(this.pos))) this.pos++;
  }

  /** Consumes `ch` (after whitespace) or returns false. */
  take(ch: string): boolean {
    this.skipWhitespace();
    if (this.text[this.pos] !== ch) return false;
    this.pos++;
    return true;
  }

  /** Skips the string literal at pos; returns its end (after the closing quote), or -1. */
  skipString(): number {
    const text = this.text;
    if (text[this.pos] !== '"') return -1;
    let at = this.pos;
    for (;;) {
      at = text.indexOf('"', at + 1);
      if (at < 0) return -1;
      let backslashes = 0;
      for (let i = at - 1; text.charCodeAt(i) === 0x5c; i--) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    this.pos = at + 1;
    return this.pos;
  }

  /** Skips any value at pos (after whitespace); false on malformed input. */
  skipValue(): boolean {
    this.skipWhitespace();
    const ch = this.text[this.pos];
    if (ch === '"') return this.skipString() >= 0;
    if (ch === '{' || ch === '[') return this.skipContainer(ch === '{' ? '}' : ']', ch === '{');
    // A number, true, false or null: up to the next delimiter.
    const start = this.pos;
    while (this.pos < this.text.length && !',}] \t\r\n'.includes(this.text[this.pos])) this.pos++;
    return this.pos > start;
  }

  private skipContainer(close: string, isObject: boolean): boolean {
    this.pos++;
    if (this.take(close)) return true;
    for (;;) {
      if (isObject) {
        this.skipWhitespace();
        if (this.skipString() < 0 || !this.take(':')) return false;
      }
      if (!this.skipValue()) return false;
      if (this.take(',')) continue;
      return this.take(close);
    }
  }
}

/** The key of the object member whose key literal spans [start, end). */
function keyText(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end - 1);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end)) as string) : raw;
}

/** Moves the cursor to the value of `key` in the container at pos (the last one, as JSON.parse keeps). */
function enter(cur: Cursor, key: string | number): boolean {
  cur.skipWhitespace();
  if (typeof key === 'number') {
    if (!cur.take('[')) return false;
    for (let i = 0; i < key; i++) {
      if (!cur.skipValue() || !cur.take(',')) return false;
    }
    cur.skipWhitespace();
    return cur.text[cur.pos] !== ']';
  }
  if (!cur.take('{')) return false;
  let found = -1;
  if (cur.take('}')) return false;
  for (;;) {
    cur.skipWhitespace();
    const keyStart = cur.pos;
    const keyEnd = cur.skipString();
    if (keyEnd < 0 || !cur.take(':')) return false;
    cur.skipWhitespace();
    if (keyText(cur.text, keyStart, keyEnd) === key) found = cur.pos;
    if (!cur.skipValue()) return false;
    if (cur.take(',')) continue;
    if (!cur.take('}') || found < 0) return false;
    cur.pos = found;
    return true;
  }
}

/**
 * The [start, end) character range of the string literal at `path` in `text` (a JSON document),
 * quotes included; null when the path leads elsewhere or the text is malformed on the way.
 */
export function stringLiteralRange(text: string, path: KeyPath): [number, number] | null {
  const cur = new Cursor(text);
  for (const key of path) if (!enter(cur, key)) return null;
  cur.skipWhitespace();
  const start = cur.pos;
  const end = cur.skipString();
  return end < 0 ? null : [start, end];
}

/**
 * The raw JSON text of the value at `path` in `text`; null when the path leads elsewhere, the text
 * is malformed on the way, or it nests too deeply to skip.
 */
export function rawValueText(text: string, path: KeyPath): string | null {
  try {
    const cur = new Cursor(text);
    for (const key of path) if (!enter(cur, key)) return null;
    cur.skipWhitespace();
    const start = cur.pos;
    return cur.skipValue() ? text.slice(start, cur.pos) : null;
  } catch (err) {
    if (err instanceof RangeError) return null; // a sibling nested past the stack
    throw err;
  }
}
