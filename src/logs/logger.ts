// The one logger every module uses. Records go to stderr (filtered by level) and to any sinks
// attached at start-up (the SQLite log store). Logging never throws into the caller.

export const LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type Level = (typeof LEVELS)[number];

export interface LogRecord {
  tsMs: number;
  /** Sub-millisecond part, in nanoseconds (0..999_999), for ordering records within one ms. */
  tsSubMsNanos: number;
  level: Level;
  target: string;
  message: string;
  threadId: string | null;
  file: string | null;
  line: number | null;
  fields: Record<string, unknown> | null;
}

export interface LogSink {
  /** Records below this level are not passed to the sink (and cost it nothing). Default: all. */
  minLevel?: Level;
  write(record: LogRecord): void;
}

export interface Logger {
  trace(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function parseLevel(text: string): Level | null {
  const upper = text.trim().toUpperCase();
  if (upper === 'WARNING') return 'WARN';
  return (LEVELS as readonly string[]).includes(upper) ? (upper as Level) : null;
}

function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

let processUuidValue: string | undefined;

/**
 * Fixed for the life of this process; tells apart the rows of processes that reused a pid. Made on
 * first use: node:crypto is loaded only then, off the start path (it costs milliseconds to load).
 */
export function processUuid(): string {
  processUuidValue ??= process.getBuiltinModule('node:crypto').randomUUID();
  return processUuidValue;
}

/** The stderr threshold: a level, or OFF for none (sinks still receive records). */
export type StderrLevel = Level | 'OFF';

const sinks = new Set<LogSink>();
let stderrLevel: StderrLevel = parseLevel(process.env.THREADSTATE_LOG ?? '') ?? 'INFO';

export function setStderrLevel(level: StderrLevel): void {
  stderrLevel = level;
}

export function getStderrLevel(): StderrLevel {
  return stderrLevel;
}

/**
 * Lets only records at `level` or above reach stderr until the returned function is called, which
 * restores the previous threshold. A stricter threshold already in force (or OFF) is kept.
 */
export function raiseStderrLevel(level: Level): () => void {
  const previous = stderrLevel;
  if (previous !== 'OFF' && levelRank(previous) < levelRank(level)) stderrLevel = level;
  return () => {
    stderrLevel = previous;
  };
}

export function addLogSink(sink: LogSink): () => void {
  sinks.add(sink);
  return () => sinks.delete(sink);
}

const startHr = process.hrtime.bigint();
const startMs = Date.now();

function now(): { tsMs: number; tsSubMsNanos: number } {
  const elapsedNs = process.hrtime.bigint() - startHr;
  const tsMs = startMs + Number(elapsedNs / 1_000_000n);
  return { tsMs, tsSubMsNanos: Number(elapsedNs % 1_000_000n) };
}

const LOGGER_FILE = new URL(import.meta.url).pathname;

/**
 * The caller's file and line, read from V8's structured call sites (no stack string is built):
 * emit's caller is the level method, whose caller is the module that logged. Only taken when a sink
 * is attached, as the capture is the costly part of a log call. Paths are cut to start at `src/`.
 */
function callsite(): { file: string | null; line: number | null } {
  const holder: { stack?: unknown } = {};
  const previousLimit = Error.stackTraceLimit;
  const previousPrepare = Error.prepareStackTrace;
  Error.stackTraceLimit = 3;
  Error.prepareStackTrace = (_err, sites) => sites;
  let sites: NodeJS.CallSite[] = [];
  try {
    Error.captureStackTrace(holder, emit);
    sites = Array.isArray(holder.stack) ? (holder.stack as NodeJS.CallSite[]) : [];
  } finally {
    Error.stackTraceLimit = previousLimit;
    Error.prepareStackTrace = previousPrepare;
  }
  for (const site of sites) {
    const raw = site.getFileName();
    if (!raw) continue;
    const file = shortFileName(raw);
    if (file === null) continue;
    return { file, line: site.getLineNumber() };
  }
  return { file: null, line: null };
}

const siteCache = new Map<string, { file: string | null; line: number | null }>();

/**
 * callsite(), remembered per (target, message text): most messages are constant strings with the
 * variable parts in fields, so the stack is captured once per call site instead of on every call.
 * Two sites logging the same text under the same target share the first one's file and line.
 */
function cachedCallsite(target: string, message: string): { file: string | null; line: number | null } {
  if (message.length > 200) return callsite();
  const key = `${target}\u0000${message}`;
  let site = siteCache.get(key);
  if (!site) {
    site = callsite();
    if (siteCache.size < 5000) siteCache.set(key, site);
  }
  return site;
}

const shortNames = new Map<string, string | null>();

/** `file:///…/src/sqlite/db.ts` → `src/sqlite/db.ts`; null for the logger itself. Cached per file. */
function shortFileName(raw: string): string | null {
  let short = shortNames.get(raw);
  if (short !== undefined) return short;
  let file = raw.startsWith('file://') ? new URL(raw).pathname : raw;
  if (file === LOGGER_FILE) short = null;
  else {
    const srcAt = file.lastIndexOf('/src/');
    if (srcAt >= 0) file = file.slice(srcAt + 1);
    short = file;
  }
  if (shortNames.size < 10_000) shortNames.set(raw, short);
  return short;
}

/** One record as the line stderr gets. */
export function formatLogLine(record: LogRecord): string {
  const ts = new Date(record.tsMs).toISOString();
  const thread = record.threadId ? ` [${record.threadId}]` : '';
  const fields = record.fields && Object.keys(record.fields).length > 0 ? ` ${safeJson(record.fields)}` : '';
  return `${ts} ${record.level.padEnd(5)}${thread} ${record.target} - ${record.message}${fields}\n`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return '"<unserialisable>"';
  }
}

function emit(target: string, level: Level, message: string, fields?: Record<string, unknown>): void {
  try {
    const rank = levelRank(level);
    let wanted = false;
    for (const sink of sinks) if (sink.minLevel === undefined || rank >= levelRank(sink.minLevel)) wanted = true;
    const toStderr = stderrLevel !== 'OFF' && rank >= levelRank(stderrLevel);
    if (!wanted && !toStderr) return;
    let threadId: string | null = null;
    let rest: Record<string, unknown> | null = null;
    if (fields) {
      const { threadId: t, ...others } = fields;
      if (typeof t === 'string') threadId = t;
      rest = Object.keys(others).length > 0 ? others : null;
    }
    const site = wanted ? cachedCallsite(target, message) : { file: null, line: null };
    const record: LogRecord = { ...now(), level, target, message, threadId, file: site.file, line: site.line, fields: rest };
    if (toStderr) process.stderr.write(formatLogLine(record));
    for (const sink of sinks) {
      if (sink.minLevel !== undefined && rank < levelRank(sink.minLevel)) continue;
      try {
        sink.write(record);
      } catch {
        // A broken sink must never break the caller; stderr already has the record.
      }
    }
  } catch {
    // Logging is best effort.
  }
}

/** A logger whose records carry `target` (the module path, e.g. `state.backfill`). */
export function logger(target: string): Logger {
  return {
    trace: (m, f) => emit(target, 'TRACE', m, f),
    debug: (m, f) => emit(target, 'DEBUG', m, f),
    info: (m, f) => emit(target, 'INFO', m, f),
    warn: (m, f) => emit(target, 'WARN', m, f),
    error: (m, f) => emit(target, 'ERROR', m, f),
  };
}
