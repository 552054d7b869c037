// Long strings of a rebuilt history (command output, mostly) left in the rollout instead of in
// memory. A thread/read of a 50 MB rollout would otherwise hold ~50 MB of output strings until
// the answer is written; here each long string is replaced by where its JSON literal lives (the
// line's byte range and the literal's place in the line's text) and read back while the answer is
// serialized, as raw JSON: no second parse of the line, no re-escaping. The file stays open from
// the first spill until the scope is closed, so a rollout archived or deleted in between still
// answers from the same bytes.
//
// A rollout changed in place under an answer (truncated, zeroed, rewritten) must never yield a
// successful answer with altered strings. The writer calls SpillScope.verify() before the answer
// starts: a file shorter than the spilled lines, or one whose size or times moved since it was
// opened and whose spilled literals no longer read back intact, fails the request with a plain
// error. A change after that is caught as each literal is read back (same line length, quotes in
// place, valid JSON); the literal's toJSON then throws and the writer ends the answer with an
// error for its id. Not detected: a same-length rewrite of a literal into another valid JSON
// string (no Codex writer rewrites a rollout in place; checking that would cost a hash of every
// spilled byte twice).

import { closeSync, fstatSync, readSync } from 'node:fs';
import { ioFailure, type DomainError } from '../errors.ts';
import { openRegularForReadSync } from '../files/regular.ts';
import { stringLiteralRange, type KeyPath } from './json-locate.ts';

declare global {
  interface JSON {
    /** A value JSON.stringify writes as the given JSON text (which must be one valid JSON primitive). */
    rawJSON(text: string): unknown;
    isRawJSON(value: unknown): boolean;
  }
}

/** Strings at least this long are spilled... */
export const SPILL_MIN_CHARS = 8 * 1024;
/** ...when they come from a line at least this many bytes long. */
export const SPILL_MIN_LINE_BYTES = 16 * 1024;

function changedError(path: string, detail: string): DomainError {
  return ioFailure(`rollout ${path} changed while its answer was being written (${detail}); retry the request`);
}

/** One open rollout that spilled strings are read back from; caches the last line it read. */
class SpillFile {
  readonly path: string;
  private fd: number | null;
  private cachedStart = -1;
  private cachedText = '';
  /** Size and change times when opened, and the end of the furthest spilled line. */
  private readonly opened: { size: number; mtimeMs: number; ctimeMs: number };
  private needed = 0;
  private readonly texts: SpilledText[] = [];

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
    const st = fstatSync(fd);
    this.opened = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
  }

  track(text: SpilledText, end: number): void {
    this.texts.push(text);
    if (end > this.needed) this.needed = end;
  }

  /** The line's text as the reader saw it (decoded and trimmed). */
  lineText(start: number, end: number): string {
    if (start === this.cachedStart) return this.cachedText;
    if (this.fd === null) throw new Error('the spill scope is closed');
    const bytes = Buffer.allocUnsafe(end - start);
    const read = readSync(this.fd, bytes, 0, bytes.length, start);
    this.cachedText = bytes.toString('utf8', 0, read).trim();
    this.cachedStart = start;
    return this.cachedText;
  }

  /** Throws when the spilled strings can no longer be read back intact. */
  verify(): void {
    if (this.fd === null) throw new Error('the spill scope is closed');
    const st = fstatSync(this.fd);
    if (st.size < this.needed) throw changedError(this.path, `now ${st.size} bytes, the answer needs ${this.needed}`);
    if (st.size === this.opened.size && st.mtimeMs === this.opened.mtimeMs && st.ctimeMs === this.opened.ctimeMs) return;
    // Appended to (an active thread) or changed in place: every spilled literal must still be there.
    for (const text of this.texts) text.check();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.cachedText = '';
    this.cachedStart = -1;
  }
}

/** A string that still lives in its rollout line. JSON.stringify writes the line's literal. */
export class SpilledText {
  private readonly file: SpillFile;
  private readonly start: number;
  private readonly end: number;
  /** Length of the line's text, and the literal's [from, to) in it, quotes included. */
  private readonly textLength: number;
  private readonly from: number;
  private readonly to: number;

  constructor(file: SpillFile, line: { start: number; end: number; textLength: number }, range: [number, number]) {
    this.file = file;
    this.start = line.start;
    this.end = line.end;
    this.textLength = line.textLength;
    [this.from, this.to] = range;
    file.track(this, line.end);
  }

  /** The literal's JSON text; throws if the bytes no longer hold it. */
  private literal(): string {
    let text: string;
    try {
      text = this.file.lineText(this.start, this.end);
    } catch (err) {
      throw changedError(this.file.path, `line at byte ${this.start} unreadable: ${String(err)}`);
    }
    if (text.length === this.textLength && text[this.from] === '"' && text[this.to - 1] === '"') return text.slice(this.from, this.to);
    throw changedError(this.file.path, `line at byte ${this.start} differs`);
  }

  /** Throws unless the literal reads back as a valid JSON string. */
  check(): void {
    this.toJSON();
  }

  /** Raw JSON for JSON.stringify (validated by JSON.rawJSON, so the answer stays well-formed). */
  toJSON(): unknown {
    const literal = this.literal();
    try {
      return JSON.rawJSON(literal);
    } catch {
      throw changedError(this.file.path, `string at byte ${this.start} is no longer valid JSON`);
    }
  }
}

/** The files a history rebuild spilled into; close once the answer has been written. */
export class SpillScope {
  private readonly files = new Map<string, SpillFile>();
  private closed = false;

  /** An open handle on `path` (opened on first use; only a regular file). */
  file(path: string): SpillFile {
    if (this.closed) throw new Error('the spill scope is closed');
    let file = this.files.get(path);
    if (!file) {
      file = new SpillFile(path, openRegularForReadSync(path));
      this.files.set(path, file);
    }
    return file;
  }

  get used(): boolean {
    return this.files.size > 0;
  }

  /** Before the answer starts: throws (an `io` DomainError, -32603) when a spilled string cannot be read back intact. */
  verify(): void {
    for (const file of this.files.values()) file.verify();
  }

  close(): void {
    this.closed = true;
    for (const file of this.files.values()) file.close();
    this.files.clear();
  }
}

/** A long line being pushed: where it is, its parsed form and its text as the reader decoded it. */
export interface SpillLine {
  path: string;
  start: number;
  end: number;
  line: unknown;
  text: string;
}

function longStringsOf(value: unknown, path: Array<string | number>, out: Map<string, KeyPath>): void {
  if (typeof value === 'string') {
    if (value.length >= SPILL_MIN_CHARS && !out.has(value)) out.set(value, [...path]);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      longStringsOf(value[i], path, out);
      path.pop();
    }
    return;
  }
  for (const key of Object.keys(value)) {
    path.push(key);
    longStringsOf((value as Record<string, unknown>)[key], path, out);
    path.pop();
  }
}

/**
 * Replaces the long strings of `item` (a wire item built from `source.line`) that appear verbatim
 * in the line by SpilledText references. Strings built from several values stay in memory.
 */
export function spillItem(scope: SpillScope, source: SpillLine, item: Record<string, unknown>): void {
  let longStrings: Map<string, KeyPath> | null = null;
  const spilled = (value: string): SpilledText | null => {
    if (!longStrings) {
      longStrings = new Map();
      longStringsOf(source.line, [], longStrings);
    }
    const keyPath = longStrings.get(value);
    const range = keyPath ? stringLiteralRange(source.text, keyPath) : null;
    if (!range) return null;
    let file: SpillFile;
    try {
      file = scope.file(source.path);
    } catch {
      return null; // gone since it was read: this answer keeps its strings in memory
    }
    return new SpilledText(file, { start: source.start, end: source.end, textLength: source.text.length }, range);
  };
  const visit = (holder: Record<string | number, unknown>, key: string | number): void => {
    const value = holder[key];
    if (typeof value === 'string') {
      if (value.length < SPILL_MIN_CHARS) return;
      const ref = spilled(value);
      if (ref) holder[key] = ref;
      return;
    }
    if (value === null || typeof value !== 'object' || value instanceof SpilledText) return;
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visit(value as unknown as Record<number, unknown>, i);
    else for (const k of Object.keys(value)) visit(value as Record<string, unknown>, k);
  };
  for (const key of Object.keys(item)) visit(item, key);
}
