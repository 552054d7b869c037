// Long strings of a rebuilt history (command output, mostly) left in the rollout instead of in
// memory. A thread/read of a 50 MB rollout would otherwise hold ~50 MB of output strings until
// the answer is written; here each long string is replaced by where it lives (its line's byte
// range and its key path inside the parsed line) and read back, one line at a time, while the
// answer is serialized. The file stays open from the first spill until the scope is closed, so a
// rollout archived or deleted in between still answers from the same bytes.

import { closeSync, openSync, readSync } from 'node:fs';
import { logger } from '../logs/logger.ts';

const log = logger('rollout.spill');

/** Strings at least this long are spilled... */
export const SPILL_MIN_CHARS = 8 * 1024;
/** ...when they come from a line at least this many bytes long. */
export const SPILL_MIN_LINE_BYTES = 16 * 1024;

type KeyPath = ReadonlyArray<string | number>;

/** One open rollout that spilled strings are read back from; caches the last line it parsed. */
class SpillFile {
  readonly path: string;
  private fd: number | null;
  private cachedStart = -1;
  private cachedLine: unknown = null;

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  lineAt(start: number, end: number): unknown {
    if (start === this.cachedStart) return this.cachedLine;
    if (this.fd === null) throw new Error('the spill scope is closed');
    const bytes = Buffer.allocUnsafe(end - start);
    const read = readSync(this.fd, bytes, 0, bytes.length, start);
    const line: unknown = JSON.parse(bytes.toString('utf8', 0, read));
    this.cachedStart = start;
    this.cachedLine = line;
    return line;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.cachedLine = null;
  }
}

/** A string that still lives in its rollout line. JSON.stringify sees the string itself. */
export class SpilledText {
  private readonly file: SpillFile;
  private readonly start: number;
  private readonly end: number;
  private readonly keyPath: KeyPath;
  /** Length of the original string, checked when it is read back. */
  readonly length: number;

  constructor(file: SpillFile, start: number, end: number, keyPath: KeyPath, length: number) {
    this.file = file;
    this.start = start;
    this.end = end;
    this.keyPath = keyPath;
    this.length = length;
  }

  /** The string, read back from the rollout; '' (logged) if the bytes no longer hold it. */
  value(): string {
    try {
      let at: unknown = this.file.lineAt(this.start, this.end);
      for (const key of this.keyPath) at = (at as Record<string | number, unknown>)[key];
      if (typeof at === 'string' && at.length === this.length) return at;
      log.warn('spilled string changed in its rollout', { path: this.file.path, offset: this.start });
    } catch (err) {
      log.warn('spilled string unreadable', { path: this.file.path, offset: this.start, error: String(err) });
    }
    return '';
  }

  toJSON(): string {
    return this.value();
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

/** Where one parsed line's long strings sit: its byte range and the key path of each. */
export interface SpillLine {
  path: string;
  start: number;
  end: number;
  line: unknown;
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
  const visit = (holder: Record<string | number, unknown>, key: string | number): void => {
    const value = holder[key];
    if (typeof value === 'string') {
      if (value.length < SPILL_MIN_CHARS) return;
      if (!longStrings) {
        longStrings = new Map();
        longStringsOf(source.line, [], longStrings);
      }
      const keyPath = longStrings.get(value);
      if (keyPath) holder[key] = new SpilledText(scope.file(source.path), source.start, source.end, keyPath, value.length);
      return;
    }
    if (value === null || typeof value !== 'object' || value instanceof SpilledText) return;
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) visit(value as unknown as Record<number, unknown>, i);
    else for (const k of Object.keys(value)) visit(value as Record<string, unknown>, k);
  };
  for (const key of Object.keys(item)) visit(item, key);
}
