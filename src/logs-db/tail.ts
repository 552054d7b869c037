// The query and formatting side of `threadstate logs`: filters turned into SQL, the backfill and
// "rows after id" queries, line and JSON formatting, and the poll loop (which takes an AbortSignal
// and an output writer so it can run in tests without a terminal).

import { setTimeout as sleep } from 'node:timers/promises';
import type { SQLInputValue } from 'node:sqlite';
import type { Database } from '../sqlite/db.ts';
import type { Level } from '../logs/logger.ts';

export interface LogFilter {
  /** Exact level (upper case). */
  level?: Level;
  /** Inclusive bounds in Unix seconds. */
  fromTs?: number;
  toTs?: number;
  /** Substrings of the target (module path); any one matches. */
  modules?: string[];
  /** Substrings of the file; any one matches. */
  files?: string[];
  threadIds?: string[];
}

export interface LogRow {
  id: number;
  ts: number;
  ts_nanos: number;
  level: string;
  target: string;
  file: string | null;
  line: number | null;
  message: string;
  fields_json: string | null;
  thread_id: string | null;
  process_id: number;
  process_uuid: string;
}

export class TimeArgError extends Error {
  constructor(text: string) {
    super(`expected RFC3339 or unix seconds, got '${text}'`);
    this.name = 'TimeArgError';
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Unix seconds from `1700000000` or an RFC3339 timestamp (sub-seconds are dropped). */
export function parseTimeArg(text: string): number {
  const trimmed = text.trim();
  if (/^-?\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    if (Number.isSafeInteger(seconds)) return seconds;
  } else if (RFC3339.test(trimmed)) {
    const ms = Date.parse(trimmed.replace(' ', 'T'));
    if (Number.isFinite(ms)) return Math.floor(ms / 1000);
  }
  throw new TimeArgError(text);
}

function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * The WHERE clause (without the keyword; `1` when empty) and its parameters. All filters AND.
 * `afterId` queries walk the rowid range; `+ts` keeps the planner off the ts index there, which
 * would otherwise read (and sort) every row in the time range on each poll.
 */
export function buildWhere(filter: LogFilter, options: { afterId?: boolean } = {}): { where: string; params: SQLInputValue[] } {
  const ts = options.afterId ? '+ts' : 'ts';
  const clauses: string[] = [];
  const params: SQLInputValue[] = [];
  if (filter.level) {
    clauses.push('UPPER(level) = ?');
    params.push(filter.level.toUpperCase());
  }
  if (filter.fromTs !== undefined) {
    clauses.push(`${ts} >= ?`);
    params.push(filter.fromTs);
  }
  if (filter.toTs !== undefined) {
    clauses.push(`${ts} <= ?`);
    params.push(filter.toTs);
  }
  const anyOf = (column: string, values: string[] | undefined): void => {
    if (!values || values.length === 0) return;
    clauses.push(`(${values.map(() => `${column} LIKE ? ESCAPE '\\'`).join(' OR ')})`);
    params.push(...values.map(likeContains));
  };
  anyOf('target', filter.modules);
  anyOf('file', filter.files);
  if (filter.threadIds && filter.threadIds.length > 0) {
    clauses.push(`thread_id IN (${filter.threadIds.map(() => '?').join(', ')})`);
    params.push(...filter.threadIds);
  }
  return { where: clauses.length > 0 ? clauses.join(' AND ') : '1', params };
}

const COLUMNS = 'id, ts, ts_nanos, level, target, file, line, message, fields_json, thread_id, process_id, process_uuid';

/** The last `n` matching rows, oldest first. */
export function queryLast(db: Database, filter: LogFilter, n: number): LogRow[] {
  if (n <= 0) return [];
  const { where, params } = buildWhere(filter);
  return db.all<LogRow>(`SELECT ${COLUMNS} FROM logs WHERE ${where} ORDER BY id DESC LIMIT ?`, ...params, n).reverse();
}

/** Matching rows with id > `afterId`, oldest first, at most `limit`. */
export function queryAfter(db: Database, filter: LogFilter, afterId: number, limit = 1000): LogRow[] {
  const { where, params } = buildWhere(filter, { afterId: true });
  return db.all<LogRow>(`SELECT ${COLUMNS} FROM logs WHERE id > ? AND ${where} ORDER BY id ASC LIMIT ?`, afterId, ...params, limit);
}

export function maxId(db: Database): number {
  return db.get<{ m: number | null }>('SELECT MAX(id) AS m FROM logs')?.m ?? 0;
}

/**
 * The backfill and the id to tail from, read in one snapshot so that no row committed between the
 * two queries is skipped.
 */
export function startPoint(db: Database, filter: LogFilter, backfill: number): { rows: LogRow[]; lastId: number } {
  db.raw.exec('BEGIN');
  try {
    const rows = queryLast(db, filter, backfill);
    return { rows, lastId: maxId(db) };
  } finally {
    db.raw.exec('COMMIT');
  }
}

const POLL_LIMIT = 1000;

/**
 * The next matching rows after `afterId`, and the id to continue from: past every row that existed
 * in this snapshot (matching or not) when the page was not full, so later polls skip them.
 */
export function poll(db: Database, filter: LogFilter, afterId: number): { rows: LogRow[]; lastId: number; more: boolean } {
  db.raw.exec('BEGIN');
  try {
    const rows = queryAfter(db, filter, afterId, POLL_LIMIT);
    if (rows.length === POLL_LIMIT) return { rows, lastId: rows[rows.length - 1].id, more: true };
    return { rows, lastId: Math.max(afterId, maxId(db)), more: false };
  } finally {
    db.raw.exec('COMMIT');
  }
}

export function rowTime(row: LogRow): string {
  return new Date(row.ts * 1000 + Math.floor(row.ts_nanos / 1_000_000)).toISOString();
}

const COLOURS: Record<string, string> = { ERROR: '31', WARN: '33', INFO: '32', DEBUG: '34', TRACE: '35' };

/** `<RFC3339 ms Z> <LEVEL padded 5> [<thread or ->] <target> - <message>[ <fields json>]` */
export function formatLine(row: LogRow, color = false): string {
  const padded = row.level.padEnd(5);
  const level = color && COLOURS[row.level] ? `\x1b[${COLOURS[row.level]}m${padded}\x1b[0m` : padded;
  const fields = row.fields_json ? ` ${row.fields_json}` : '';
  return `${rowTime(row)} ${level} [${row.thread_id ?? '-'}] ${row.target} - ${row.message}${fields}`;
}

/** One JSON object (no trailing newline). */
export function formatJson(row: LogRow): string {
  let fields: unknown = null;
  if (row.fields_json) {
    try {
      fields = JSON.parse(row.fields_json);
    } catch {
      fields = row.fields_json;
    }
  }
  return JSON.stringify({
    id: row.id,
    time: rowTime(row),
    ts: row.ts,
    ts_nanos: row.ts_nanos,
    level: row.level,
    target: row.target,
    file: row.file,
    line: row.line,
    thread_id: row.thread_id,
    message: row.message,
    fields,
    process_id: row.process_id,
    process_uuid: row.process_uuid,
  });
}

export interface TailOptions {
  db: Database;
  filter: LogFilter;
  backfill: number;
  pollMs: number;
  json?: boolean;
  color?: boolean;
  /** Receives whole lines (each ending in a newline); may return a promise to apply backpressure. */
  write: (text: string) => void | Promise<void>;
  signal: AbortSignal;
}

/** Prints the backfill, then polls for newer matching rows until `signal` aborts. */
export async function tailLogs(options: TailOptions): Promise<void> {
  const { db, filter, signal } = options;
  const render = (rows: LogRow[]): string =>
    rows.map((r) => `${options.json ? formatJson(r) : formatLine(r, options.color ?? false)}\n`).join('');
  const start = startPoint(db, filter, options.backfill);
  if (start.rows.length > 0) await options.write(render(start.rows));
  let lastId = start.lastId;
  while (!signal.aborted) {
    const next = poll(db, filter, lastId);
    lastId = next.lastId;
    if (next.rows.length > 0) await options.write(render(next.rows));
    if (next.more) continue;
    try {
      await sleep(options.pollMs, undefined, { signal });
    } catch {
      return; // aborted
    }
  }
}
