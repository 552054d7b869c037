// Long strings of a rebuilt history (command output, mostly) left in the rollout instead of in
// memory. A thread/read of a 50 MB rollout would otherwise hold ~50 MB of output strings until
// the answer is written; here each long string is replaced by where its JSON literal lives (the
// line's byte range and the literal's place in the line's text) and read back while the answer is
// serialized, as raw JSON: no second parse of the line, no re-escaping. The file stays open from
// the first spill until the scope is closed, so a rollout archived or deleted in between still
// answers from the same bytes.

import { closeSync, openSync, readSync } from 'node:fs';
import { logger } from '../logs/logger.ts';
import { stringLiteralRange, type KeyPath } from './json-locate.ts';

declare global {
  interface JSON {
    /** A value JSON.stringify writes as the given JSON text (which must be one valid JSON primitive). */
    rawJSON(text: string): unknown;
  }
}

const log = logger('rollout.spill');

/** Strings at least this long are spilled... */
export const SPILL_MIN_CHARS = 8 * 1024;
/** ...when they come from a line at least this many bytes long. */
export const SPILL_MIN_LINE_BYTES = 16 * 1024;

/** One open rollout that spilled strings are read back from; caches the last line it read. */
class SpillFile {
  readonly path: string;
  private fd: number | null;
  private cachedStart = -1;
  private cachedText = '';

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
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
  }

  /** The literal's JSON text; null (logged) if the bytes no longer hold it. */
  private literal(): string | null {
    try {
      const text = this.file.lineText(this.start, this.end);
      if (text.length === this.textLength && text[this.from] === '"' && text[this.to - 1] === '"') return text.slice(this.from, this.to);
      log.warn('spilled string changed in its rollout', { path: this.file.path, offset: this.start });
    } catch (err) {
      log.warn('spilled string unreadable', { path: this.file.path, offset: this.start, error: String(err) });
    }
    return null;
  }

  /** Raw JSON for JSON.stringify (validated by JSON.rawJSON, so the answer stays well-formed). */
  toJSON(): unknown {
    const literal = this.literal();
    if (literal === null) return '';
    try {
      return JSON.rawJSON(literal);
    } catch {
      log.warn('spilled string is no longer valid JSON', { path: this.file.path, offset: this.start });
      return '';
    }
  }
}

/** The files a history rebuild spilled into; close once the answer has been written. */
export class SpillScope {
  private readonly files = new Map<string, SpillFile>();
  private closed = false;

  /** An open handle on `path` (opened on first use). */
  file(path: string): SpillFile {
    if (this.closed) throw new Error('the spill scope is closed');
    let file = this.files.get(path);
    if (!file) {
      file = new SpillFile(path, openSync(path, 'r'));
      this.files.set(path, file);
    }
    return file;
  }

  get used(): boolean {
    return this.files.size > 0;
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
