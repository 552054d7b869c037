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

const sinks = new Set<LogSink>();
let stderrLevel: Level = parseLevel(process.env.THREADSTATE_LOG ?? '') ?? 'INFO';

export function setStderrLevel(level: Level): void {
  stderrLevel = level;
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

function formatForStderr(record: LogRecord): string {
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
    let threadId: string | null = null;
    let rest: Record<string, unknown> | null = null;
    if (fields) {
      const { threadId: t, ...others } = fields;
      if (typeof t === 'string') threadId = t;
      rest = Object.keys(others).length > 0 ? others : null;
    }
    const record: LogRecord = { ...now(), level, target, message, threadId, file: null, line: null, fields: rest };
    if (levelRank(level) >= levelRank(stderrLevel)) process.stderr.write(formatForStderr(record));
    for (const sink of sinks) {
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
