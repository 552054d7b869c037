// Tolerant, memory-bounded readers for rollout files (docs/rollout-format.md §8, §9). Content problems
// (blank lines, CRLF, bad JSON, non-object JSON, oversize lines, a half-written last line) are
// skipped and counted, never thrown; only a missing or unreadable file is an error.

import { closeSync, fstatSync, readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { NotRegularFileError, openRegularForRead, openRegularForReadSync } from '../files/regular.ts';
import { asRolloutLine, isUserEvent, type RolloutLine } from './lines.ts';
import { slimLineText } from './slim-line.ts';

export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
/** Head reads never go past this many bytes, whatever the line counts say. */
export const DEFAULT_HEAD_MAX_BYTES = 1024 * 1024;
export const HEAD_LINES = 10;
export const HEAD_EXTENDED_LINES = 210;
/** Lines read past the first user event looking for its turn_context. */
export const TURN_CONTEXT_GRACE_LINES = 4;
/** Head reads go 64 KiB at a time: the first user message is usually within the first chunk. */
const HEAD_CHUNK_BYTES = 64 * 1024;

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
  /**
   * The byte after the last line that is complete (ends in `\n`, or is a last line that parsed):
   * where a later read of the same, grown file resumes.
   */
  completeTo: number;
  /** The inode of the file that was read (a follow-up read checks it is still the same file). */
  ino: number;
}

export interface ParsedLine {
  /** null only when the stream was asked to yield invalid lines too. */
  line: RolloutLine | null;
  /** Byte offset of the line's first byte, and of the byte after its `\n`. */
  start: number;
  end: number;
  /** The line's decoded, trimmed text ('' for an oversize line; cut like the line with `slimKeys`). */
  text: string;
}

export interface StreamOptions {
  maxLineBytes?: number;
  chunkBytes?: number;
  /** Stop at this byte offset (a fork's `history_base.end_byte_offset`, or a head cap). */
  endByteOffset?: number;
  /** Start reading here (the first byte of a line: where an earlier read's `completeTo` was). */
  startByteOffset?: number;
  /** Yield `{line: null}` for each skipped non-blank line, so callers can count them. */
  yieldInvalid?: boolean;
  /**
   * Line types whose payload the caller never reads: long lines of these types (see
   * envelopeOnly) come back with `payload: null` and are not parsed, which spares the parse and
   * the garbage of e.g. the 50 MB of tool output an early-2026 rollout keeps in response items.
   */
  envelopeOnly?: ReadonlySet<string>;
  /**
   * Key literals of string values the caller reads the head of only (src/rollout/slim-line.ts):
   * in a long line they are cut before it is decoded and parsed.
   */
  slimKeys?: readonly Buffer[];
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

/**
 * Read buffers, kept for the next stream instead of freed: a fresh chunk buffer per file (1 MB for
 * a full read) made the allocator keep ever more memory while thousands of files were indexed
 * (RSS ~60 MB above the live data on a real-sized 10k home). A few per size are kept.
 */
const chunkPool = new Map<number, Buffer[]>();
const CHUNKS_KEPT_PER_SIZE = 4;

function takeChunk(size: number): Buffer {
  return chunkPool.get(size)?.pop() ?? Buffer.allocUnsafeSlow(Math.max(1, size));
}

function giveChunk(buf: Buffer): void {
  // Only the standard sizes are kept: a buffer grown for one huge line is left to the collector.
  if (buf.length !== DEFAULT_CHUNK_BYTES && buf.length !== CARRY_BYTES && buf.length !== HEAD_CHUNK_BYTES) return;
  let free = chunkPool.get(buf.length);
  if (!free) chunkPool.set(buf.length, (free = []));
  if (free.length < CHUNKS_KEPT_PER_SIZE) free.push(buf);
}

/** Where a line that runs past the end of a chunk is put together, before the carry holds more than this. */
const CARRY_BYTES = 256 * 1024;

/**
 * The start of a line that runs past the end of a read chunk, copied into one buffer reused line
 * after line (grown when a line needs it). Concatenating fresh buffers per line left hundreds of MB
 * of short-lived external memory to the garbage collector over a large home.
 */
class LineCarry {
  private buf: Buffer | null = null;
  length = 0;

  append(src: Buffer, from: number, to: number): void {
    const need = this.length + (to - from);
    if (this.buf === null || this.buf.length < need) {
      const grown = need <= CARRY_BYTES ? takeChunk(CARRY_BYTES) : Buffer.allocUnsafeSlow(Math.max(need, (this.buf?.length ?? 0) * 2));
      if (this.buf) {
        this.buf.copy(grown, 0, 0, this.length);
        giveChunk(this.buf);
      }
      this.buf = grown;
    }
    src.copy(this.buf, this.length, from, to);
    this.length = need;
  }

  /** The line so far: valid until the next append or clear. */
  bytes(): Buffer {
    return this.buf === null ? Buffer.alloc(0) : this.buf.subarray(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }

  release(): void {
    if (this.buf) giveChunk(this.buf);
    this.buf = null;
    this.length = 0;
  }
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
  return { parsedLines: 0, blankLines: 0, skippedInvalid: 0, skippedOversize: 0, truncatedTail: false, capped: false, bytesRead: 0, fileSize: 0, mtimeMs: 0, completeTo: 0, ino: 0 };
}

function openFailure(path: string, err: unknown): RolloutReadError {
  // A FIFO or device is opened without blocking and refused (files/regular.ts).
  if (err instanceof NotRegularFileError) return new RolloutReadError(path, err.code, `rollout path ${path} is not a file (it is ${err.kind})`);
  const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
  const what = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable' : `cannot be opened (${code})`;
  return new RolloutReadError(path, code, `rollout file ${path} ${what}`);
}

export async function openRollout(path: string): Promise<FileHandle> {
  try {
    return await openRegularForRead(path);
  } catch (err) {
    throw openFailure(path, err);
  }
}

/**
 * One line's bytes as a parsed line, counted in `stats`: null for a blank line, `{line: null}` for
 * one that is not a rollout line (a half-written last line when `isTail`).
 */
function decodeLine(bytes: Buffer, start: number, end: number, isTail: boolean, stats: ReadStats, opts: StreamOptions): ParsedLine | null {
  let slim: string | null = null;
  if (bytes.length >= ENVELOPE_ONLY_MIN_BYTES) {
    const envelope = opts.envelopeOnly ? envelopeOnly(bytes, opts.envelopeOnly) : null;
    if (envelope) {
      stats.parsedLines += 1;
      return { line: envelope, start, end, text: '' };
    }
    if (opts.slimKeys) slim = slimLineText(bytes, opts.slimKeys);
  }
  const text = (slim ?? bytes.toString('utf8')).trim();
  if (text === '') {
    stats.blankLines += 1;
    return null;
  }
  let line: RolloutLine | null = null;
  try {
    line = asRolloutLine(JSON.parse(text));
  } catch {
    line = null;
  }
  if (line) {
    stats.parsedLines += 1;
    return { line, start, end, text };
  }
  if (isTail) stats.truncatedTail = true;
  else stats.skippedInvalid += 1;
  return { line: null, start, end, text };
}

/**
 * Splits chunks of a file into parsed lines: the state of one pass (the carried start of a line
 * that runs past a chunk, an oversize line being skipped) shared by the async and sync streams.
 */
class LineSplitter {
  private readonly carry = new LineCarry();
  private skipping = false; // inside an oversize line
  private lineStart = 0;
  private readonly stats: ReadStats;
  private readonly opts: StreamOptions;
  private readonly maxLine: number;

  constructor(stats: ReadStats, opts: StreamOptions, start: number) {
    this.stats = stats;
    this.opts = opts;
    this.maxLine = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.lineStart = start;
  }

  /** The lines completed by `buf[0, bytesRead)`, which starts at file offset `chunkStart`. */
  *push(buf: Buffer, bytesRead: number, chunkStart: number): Generator<ParsedLine> {
    const carry = this.carry;
    let from = 0;
    while (from < bytesRead) {
      const nl = buf.indexOf(10, from);
      const segEnd = nl === -1 || nl >= bytesRead ? bytesRead : nl;
      const segLen = segEnd - from;
      if (!this.skipping && carry.length + segLen > this.maxLine) {
        this.skipping = true;
        carry.clear();
        this.stats.skippedOversize += 1;
      }
      if (nl === -1 || nl >= bytesRead) {
        if (!this.skipping) carry.append(buf, from, segEnd);
        return;
      }
      const end = chunkStart + nl + 1;
      if (this.skipping) {
        this.skipping = false;
        if (this.opts.yieldInvalid) yield { line: null, start: this.lineStart, end, text: '' };
      } else {
        let bytes = buf.subarray(from, segEnd);
        if (carry.length > 0) {
          carry.append(buf, from, segEnd);
          bytes = carry.bytes();
        }
        const item = decodeLine(bytes, this.lineStart, end, false, this.stats, this.opts);
        carry.clear();
        if (item && (item.line || this.opts.yieldInvalid)) yield item;
      }
      this.lineStart = end;
      this.stats.completeTo = end;
      from = nl + 1;
    }
  }

  /** The last line, once reading stopped at `pos` of a file of `size` bytes. */
  *finish(pos: number, size: number): Generator<ParsedLine> {
    if (this.skipping) {
      if (this.opts.yieldInvalid) yield { line: null, start: this.lineStart, end: pos, text: '' };
    } else if (this.carry.length > 0) {
      const tail = this.carry.bytes();
      if (pos < size) {
        // Cut by endByteOffset rather than by the end of the file: not a content problem.
        if (tail.toString('utf8').trim() !== '') this.stats.capped = true;
      } else {
        const item = decodeLine(tail, this.lineStart, pos, true, this.stats, this.opts);
        // A last line that parses is whole (no JSON object is a prefix of a longer one).
        if (item?.line) this.stats.completeTo = pos;
        if (item && (item.line || this.opts.yieldInvalid)) yield item;
      }
    }
  }

  release(): void {
    this.carry.release();
  }
}

/**
 * A single-pass stream of parsed lines. Memory stays bounded by the longest accepted line: the
 * file is read in chunks and split by hand, and a line longer than `maxLineBytes` is dropped as
 * soon as it grows past the cap. `stats` is final once iteration ends.
 *
 * Iterated with `for await`, it reads through the thread pool, a promise per line; `batches()`
 * reads the same way but hands over a chunk's lines at once (far less CPU for a long read); with a
 * plain `for` it reads with blocking calls (short reads: heads) and blocks the event loop meanwhile.
 */
export class RolloutStream implements AsyncIterable<ParsedLine>, Iterable<ParsedLine> {
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

  [Symbol.iterator](): Generator<ParsedLine> {
    return this.runSync();
  }

  /**
   * The lines chunk by chunk: reads go through the thread pool (overlapping the caller's parsing
   * on another core) but a chunk's lines are handed over as one synchronous iterable, so a full
   * read costs one promise per chunk instead of one per line (~2.5x less CPU per line on real
   * rollouts). Lines are decoded as the batch is iterated; each batch must be iterated to its end
   * (or the stream abandoned) before the next is asked for, as the next read reuses the buffer.
   */
  async *batches(): AsyncGenerator<Iterable<ParsedLine>> {
    const fh = await openRollout(this.path);
    const buf = takeChunk(this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    let splitter: LineSplitter | null = null;
    try {
      const st = await fh.stat();
      const [start, limit] = this.checkFile(st);
      const lines = new LineSplitter(this.stats, this.opts, start);
      splitter = lines;
      let pos = start;
      while (pos < limit) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, limit - pos), pos);
        if (bytesRead === 0) break; // the file shrank under us
        this.stats.bytesRead += bytesRead;
        yield lines.push(buf, bytesRead, pos);
        pos += bytesRead;
      }
      yield lines.finish(pos, st.size);
    } finally {
      splitter?.release();
      giveChunk(buf);
      await fh.close();
    }
  }

  /** Where reading starts and stops. */
  private checkFile(st: { isFile(): boolean; size: number; mtimeMs: number; ino: number }): [number, number] {
    if (!st.isFile()) throw new RolloutReadError(this.path, 'EISDIR', `rollout path ${this.path} is not a file`);
    this.stats.fileSize = st.size;
    this.stats.mtimeMs = st.mtimeMs;
    this.stats.ino = st.ino;
    const limit = Math.min(this.opts.endByteOffset ?? Infinity, st.size);
    const start = Math.min(Math.max(0, this.opts.startByteOffset ?? 0), limit);
    this.stats.completeTo = start;
    return [start, limit];
  }

  private async *run(): AsyncGenerator<ParsedLine> {
    for await (const batch of this.batches()) yield* batch;
  }

  private *runSync(): Generator<ParsedLine> {
    let fd: number;
    try {
      fd = openRegularForReadSync(this.path);
    } catch (err) {
      throw openFailure(this.path, err);
    }
    const buf = takeChunk(this.opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
    let splitter: LineSplitter | null = null;
    try {
      const st = fstatSync(fd);
      const [start, limit] = this.checkFile(st);
      const lines = new LineSplitter(this.stats, this.opts, start);
      splitter = lines;
      let pos = start;
      while (pos < limit) {
        const bytesRead = readSync(fd, buf, 0, Math.min(buf.length, limit - pos), pos);
        if (bytesRead === 0) break; // the file shrank under us
        this.stats.bytesRead += bytesRead;
        yield* lines.push(buf, bytesRead, pos);
        pos += bytesRead;
      }
      yield* lines.finish(pos, st.size);
    } finally {
      splitter?.release();
      giveChunk(buf);
      closeSync(fd);
    }
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
  /** As in StreamOptions: long strings the caller never reads, cut before a line is parsed. */
  slimKeys?: readonly Buffer[];
}

/**
 * The head window (docs/rollout-format.md §8): 10 counted (non-blank) lines, or up to 210 once a
 * session_meta has been seen without a user event; complete as soon as both are seen (plus a few
 * lines for the turn's context). Shared by the async and the synchronous head reads.
 */
class HeadWindow {
  readonly lines: RolloutLine[] = [];
  sawSessionMeta = false;
  sawUserEvent = false;
  private sawTurnContext = false;
  private counted = 0;
  private countedAtUserEvent = 0;

  /** Takes the next non-blank line (null: not a rollout line); true once the window is complete. */
  push(line: RolloutLine | null): boolean {
    this.counted += 1;
    if (line) {
      this.lines.push(line);
      if (line.type === 'session_meta') this.sawSessionMeta = true;
      if (line.type === 'turn_context') this.sawTurnContext = true;
      if (!this.sawUserEvent && isUserEvent(line)) {
        this.sawUserEvent = true;
        this.countedAtUserEvent = this.counted;
      }
    }
    // Early-2026 files write the turn's context (its model) just after the prompt: a few more
    // lines give listings the model without a full read.
    if (this.sawSessionMeta && this.sawUserEvent && (this.sawTurnContext || this.counted >= this.countedAtUserEvent + TURN_CONTEXT_GRACE_LINES)) return true;
    return this.counted >= (this.sawSessionMeta && !this.sawUserEvent ? HEAD_EXTENDED_LINES : HEAD_LINES);
  }

  result(stats: ReadStats): HeadResult {
    return { lines: this.lines, stats, sawSessionMeta: this.sawSessionMeta, sawUserEvent: this.sawUserEvent };
  }
}

/** The stream of a head read: capped at `maxBytes`, read in 64 KiB chunks, invalid lines counted. */
function headStream(path: string, opts: HeadOptions): RolloutStream {
  const maxBytes = opts.maxBytes ?? DEFAULT_HEAD_MAX_BYTES;
  return new RolloutStream(path, {
    endByteOffset: maxBytes,
    maxLineBytes: Math.min(opts.maxLineBytes ?? maxBytes, maxBytes),
    chunkBytes: HEAD_CHUNK_BYTES,
    yieldInvalid: true,
    slimKeys: opts.slimKeys,
  });
}

/** Reads the head window of a rollout (see HeadWindow), never more than `maxBytes`. */
export async function readHead(path: string, opts: HeadOptions = {}): Promise<HeadResult> {
  const stream = headStream(path, opts);
  const window = new HeadWindow();
  for await (const item of stream) {
    if (window.push(item.line)) break;
  }
  return window.result(stream.stats);
}

/**
 * readHead with blocking reads: the same window, lines and stats without the thread pool and a
 * promise per line, several times faster per file, which is what lists a cold home in seconds.
 * Each call blocks for a fraction of a millisecond; callers yield between files.
 */
export function readHeadSync(path: string, opts: HeadOptions = {}): HeadResult {
  const stream = headStream(path, opts);
  const window = new HeadWindow();
  for (const item of stream) {
    if (window.push(item.line)) break;
  }
  return window.result(stream.stats);
}
