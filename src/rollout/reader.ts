// Tolerant, memory-bounded readers for rollout files (docs/rollout-format.md §8, §9). Content problems
// (blank lines, CRLF, bad JSON, non-object JSON, oversize lines, a half-written last line) are
// skipped and counted, never thrown; only a missing or unreadable file is an error.

import type { FileHandle } from 'node:fs/promises';
import { NotRegularFileError, openRegularForRead } from '../files/regular.ts';
import { asRolloutLine, isUserEvent, type RolloutLine } from './lines.ts';

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Head reads never go past this many bytes, whatever the line counts say. */
export const DEFAULT_HEAD_MAX_BYTES = 1024 * 1024;
export const HEAD_LINES = 10;
export const HEAD_EXTENDED_LINES = 210;
/** Lines read past the first user event looking for its turn_context. */
export const TURN_CONTEXT_GRACE_LINES = 4;

export interface ReadStats {
  /** Lines yielded: JSON objects with a string `type`. */
  parsedLines: number;
  blankLines: number;
  /** Lines that are not JSON, or JSON that is not a rollout line object. */
  skippedInvalid: number;
  skippedOversize: number;
  /** The file ended in a partial line (no `\n`) that did not parse. */
  truncatedTail: boolean;
  /** A head read stopped at its byte cap in the middle of a line. */
  capped: boolean;
  bytesRead: number;
  /** From fstat of the handle that was read. */
  fileSize: number;
  mtimeMs: number;
}

export interface ParsedLine {
  /** null only when the stream was asked to yield invalid lines too. */
  line: RolloutLine | null;
  /** Byte offset of the line's first byte, and of the byte after its `\n`. */
  start: number;
  end: number;
  /** The line's decoded, trimmed text ('' for an oversize line). */
  text: string;
}

export interface StreamOptions {
  maxLineBytes?: number;
  chunkBytes?: number;
  /** Stop at this byte offset (a fork's `history_base.end_byte_offset`, or a head cap). */
  endByteOffset?: number;
  /** Yield `{line: null}` for each skipped non-blank line, so callers can count them. */
  yieldInvalid?: boolean;
  /**
   * Line types whose payload the caller never reads: long lines of these types (see
   * envelopeOnly) come back with `payload: null` and are not parsed, which spares the parse and
   * the garbage of e.g. the 50 MB of tool output an early-2026 rollout keeps in response items.
   */
  envelopeOnly?: ReadonlySet<string>;
}

/**
 * `envelopeOnly` for readers that never look inside a response item: the turn rebuild, metadata
 * and search text all work from events.
 */
export const RESPONSE_ITEMS: ReadonlySet<string> = new Set(['response_item']);

/** Lines shorter than this are parsed anyway: it costs little, and keeps them fully checked. */
const ENVELOPE_ONLY_MIN_BYTES = 4096;
const ENVELOPE_RE = /^\s*\{"timestamp":"([^"\\]*)",(?:"ordinal":(\d+),)?"type":"([a-z_]+)","payload":/;

/**
 * The envelope of a long line whose type is in `types`, read from its first bytes without parsing
 * the rest; null to parse it as usual. Codex writes the envelope keys first and in this order; a
 * line must also end in `}`, so a line cut short by a crash is still parsed (and refused).
 */
function envelopeOnly(bytes: Buffer, types: ReadonlySet<string>): RolloutLine | null {
  let last = bytes.length - 1;
  while (last >= 0 && (bytes[last] === 0x20 || bytes[last] === 0x09 || bytes[last] === 0x0d || bytes[last] === 0x0a)) last--;
  if (last < 0 || bytes[last] !== 0x7d) return null;
  const m = ENVELOPE_RE.exec(bytes.toString('utf8', 0, Math.min(bytes.length, 200)));
  if (!m || !types.has(m[3])) return null;
  const line: RolloutLine = { timestamp: m[1], type: m[3], payload: null };
  if (m[2] !== undefined) line.ordinal = Number(m[2]);
  return line;
}

export class RolloutReadError extends Error {
  readonly path: string;
  readonly code: string;
  constructor(path: string, code: string, message: string) {
    super(message);
    this.name = 'RolloutReadError';
    this.path = path;
    this.code = code;
  }
}

function emptyStats(): ReadStats {
  return { parsedLines: 0, blankLines: 0, skippedInvalid: 0, skippedOversize: 0, truncatedTail: false, capped: false, bytesRead: 0, fileSize: 0, mtimeMs: 0 };
}

export async function openRollout(path: string): Promise<FileHandle> {
  try {
    return await openRegularForRead(path);
  } catch (err) {
    if (err instanceof NotRegularFileError) throw new RolloutReadError(path, err.code, `rollout ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be opened (${code})`;
    throw new RolloutReadError(path, code, `rollout file ${path} ${what}`);
  }
}

/**
 * A single-pass stream of parsed lines. Memory stays bounded by the longest accepted line: the
 * file is read in chunks and split by hand, and a line longer than `maxLineBytes` is dropped as
 * soon as it grows past the cap. `stats` is final once iteration ends.
 */
export class RolloutStream implements AsyncIterable<ParsedLine> {
  readonly path: string;
  readonly stats: ReadStats = emptyStats();
  private readonly opts: StreamOptions;
  constructor(path: string, opts: StreamOptions = {}) {
    this.path = path;
    this.opts = opts;
  }

  [Symbol.asyncIterator](): AsyncGenerator<ParsedLine> {
    return this.run();
  }

  private async *run(): AsyncGenerator<ParsedLine> {
    const maxLine = this.opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    const chunkBytes = this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    const stats = this.stats;
    const fh = await openRollout(this.path);
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new RolloutReadError(this.path, 'EISDIR', `rollout path ${this.path} is not a file`);
      stats.fileSize = st.size;
      stats.mtimeMs = st.mtimeMs;
      const limit = Math.min(this.opts.endByteOffset ?? Infinity, st.size);
      const buf = Buffer.allocUnsafe(Math.max(1, Math.min(chunkBytes, limit)));
      let carry: Buffer[] = [];
      let carryLen = 0;
      let skipping = false; // inside an oversize line
      let lineStart = 0;
      let pos = 0;
      while (pos < limit) {
        const want = Math.min(buf.length, limit - pos);
        const { bytesRead } = await fh.read(buf, 0, want, pos);
        if (bytesRead === 0) break; // the file shrank under us
        const chunkStart = pos;
        pos += bytesRead;
        stats.bytesRead += bytesRead;
        let from = 0;
        while (from < bytesRead) {
          const nl = buf.indexOf(10, from);
          const segEnd = nl === -1 || nl >= bytesRead ? bytesRead : nl;
          const segLen = segEnd - from;
          if (!skipping && carryLen + segLen > maxLine) {
            skipping = true;
            carry = [];
            carryLen = 0;
            stats.skippedOversize += 1;
          }
          if (nl === -1 || nl >= bytesRead) {
            if (!skipping) {
              carry.push(Buffer.from(buf.subarray(from, segEnd)));
              carryLen += segLen;
            }
            break;
          }
          const end = chunkStart + nl + 1;
          if (skipping) {
            skipping = false;
            if (this.opts.yieldInvalid) yield { line: null, start: lineStart, end, text: '' };
          } else {
            const bytes = carryLen === 0 ? buf.subarray(from, segEnd) : Buffer.concat([...carry, buf.subarray(from, segEnd)]);
            carry = [];
            carryLen = 0;
            const item = this.decode(bytes, lineStart, end, false);
            if (item && (item.line || this.opts.yieldInvalid)) yield item;
          }
          lineStart = end;
          from = nl + 1;
        }
      }
      if (skipping) {
        if (this.opts.yieldInvalid) yield { line: null, start: lineStart, end: pos, text: '' };
      } else if (carryLen > 0) {
        const tail = Buffer.concat(carry);
        if (pos < st.size) {
          // Cut by endByteOffset rather than by the end of the file: not a content problem.
          if (tail.toString('utf8').trim() !== '') stats.capped = true;
        } else {
          const item = this.decode(tail, lineStart, pos, true);
          if (item && (item.line || this.opts.yieldInvalid)) yield item;
        }
      }
    } finally {
      await fh.close();
    }
  }

  private decode(bytes: Buffer, start: number, end: number, isTail: boolean): ParsedLine | null {
    if (this.opts.envelopeOnly && bytes.length >= ENVELOPE_ONLY_MIN_BYTES) {
      const envelope = envelopeOnly(bytes, this.opts.envelopeOnly);
      if (envelope) {
        this.stats.parsedLines += 1;
        return { line: envelope, start, end, text: '' };
      }
    }
    const text = bytes.toString('utf8').trim();
    if (text === '') {
      this.stats.blankLines += 1;
      return null;
    }
    let line: RolloutLine | null = null;
    try {
      line = asRolloutLine(JSON.parse(text));
    } catch {
      line = null;
    }
    if (line) {
      this.stats.parsedLines += 1;
      return { line, start, end, text };
    }
    if (isTail) this.stats.truncatedTail = true;
    else this.stats.skippedInvalid += 1;
    return { line: null, start, end, text };
  }
}

export function streamRollout(path: string, opts: StreamOptions = {}): RolloutStream {
  return new RolloutStream(path, opts);
}

export interface HeadResult {
  lines: RolloutLine[];
  stats: ReadStats;
  sawSessionMeta: boolean;
  sawUserEvent: boolean;
}

export interface HeadOptions {
  maxBytes?: number;
  maxLineBytes?: number;
}

/**
 * Reads the head window of a rollout (docs/rollout-format.md §8): 10 counted (non-blank) lines, or up
 * to 210 once a session_meta has been seen without a user event; stops as soon as both are seen,
 * and never reads more than `maxBytes`.
 */
export async function readHead(path: string, opts: HeadOptions = {}): Promise<HeadResult> {
  const maxBytes = opts.maxBytes ?? DEFAULT_HEAD_MAX_BYTES;
  const stream = new RolloutStream(path, {
    endByteOffset: maxBytes,
    maxLineBytes: Math.min(opts.maxLineBytes ?? maxBytes, maxBytes),
    chunkBytes: 64 * 1024,
    yieldInvalid: true,
  });
  const lines: RolloutLine[] = [];
  let counted = 0;
  let sawSessionMeta = false;
  let sawUserEvent = false;
  let sawTurnContext = false;
  let countedAtUserEvent = 0;
  for await (const item of stream) {
    counted += 1;
    if (item.line) {
      lines.push(item.line);
      if (item.line.type === 'session_meta') sawSessionMeta = true;
      if (item.line.type === 'turn_context') sawTurnContext = true;
      if (!sawUserEvent && isUserEvent(item.line)) {
        sawUserEvent = true;
        countedAtUserEvent = counted;
      }
    }
    // Early-2026 files write the turn's context (its model) just after the prompt: a few more
    // lines give listings the model without a full read.
    if (sawSessionMeta && sawUserEvent && (sawTurnContext || counted >= countedAtUserEvent + TURN_CONTEXT_GRACE_LINES)) break;
    const window = sawSessionMeta && !sawUserEvent ? HEAD_EXTENDED_LINES : HEAD_LINES;
    if (counted >= window) break;
  }
  return { lines, stats: stream.stats, sawSessionMeta, sawUserEvent };
}
