// `threadstate logs`: prints the last matching log records, then follows new ones until interrupted.
// Opens the logs database read-only: it never creates, migrates or cleans up anything.

import { once } from 'node:events';
import { resolveCodexHome } from '../config.ts';
import { UsageError } from '../errors.ts';
import { parseLevel } from '../logs/logger.ts';
import { LogsStoreError, logsDbPath, openLogsReadOnly } from '../logs-db/store.ts';
import { TimeArgError, parseTimeArg, tailLogs, type LogFilter } from '../logs-db/tail.ts';
import {
  CODEX_HOME_FLAG,
  flagSet,
  flagValue,
  flagValues,
  integerFlag,
  type Command,
  type ParsedFlags,
} from './command.ts';

export interface LogsRequest {
  dbPath: string;
  filter: LogFilter;
  backfill: number;
  pollMs: number;
  json: boolean;
}

function timeFlag(flags: ParsedFlags, name: string): number | undefined {
  const raw = flagValue(flags, name);
  if (raw === undefined) return undefined;
  try {
    return parseTimeArg(raw);
  } catch (err) {
    if (err instanceof TimeArgError) throw new UsageError(`--${name}: ${err.message}`);
    throw err;
  }
}

/** Validates the flags; every bad value is a UsageError naming the flag. */
export function parseLogsFlags(flags: ParsedFlags, env: NodeJS.ProcessEnv = process.env): LogsRequest {
  const levelText = flagValue(flags, 'level');
  const level = levelText === undefined ? undefined : parseLevel(levelText);
  if (level === null) throw new UsageError(`--level expects one of trace, debug, info, warn, error, got '${levelText}'`);
  const fromTs = timeFlag(flags, 'from');
  const toTs = timeFlag(flags, 'to');
  if (fromTs !== undefined && toTs !== undefined && fromTs > toTs) {
    throw new UsageError(`--from (${flagValue(flags, 'from')}) is after --to (${flagValue(flags, 'to')})`);
  }
  const pollMs = integerFlag(flags, 'poll-ms', 500);
  if (pollMs < 1) throw new UsageError(`--poll-ms must be at least 1, got '${flagValue(flags, 'poll-ms')}'`);
  const emptyValue = ['module', 'file', 'thread-id'].find((name) => flagValues(flags, name).some((v) => v === ''));
  if (emptyValue) throw new UsageError(`--${emptyValue} needs a non-empty value`);
  const dbFlag = flagValue(flags, 'db');
  return {
    dbPath: dbFlag !== undefined && dbFlag !== '' ? dbFlag : logsDbPath(resolveCodexHome(flagValue(flags, 'codex-home'), env)),
    filter: {
      level,
      fromTs,
      toTs,
      modules: flagValues(flags, 'module'),
      files: flagValues(flags, 'file'),
      threadIds: flagValues(flags, 'thread-id'),
    },
    backfill: integerFlag(flags, 'backfill', 200),
    pollMs,
    json: flagSet(flags, 'json'),
  };
}

export interface LogsIo {
  write: (text: string) => void | Promise<void>;
  error: (text: string) => void;
  signal: AbortSignal;
  color: boolean;
}

/** Runs the command against explicit I/O; returns the exit code (usage errors are thrown). */
export async function runLogs(flags: ParsedFlags, io: LogsIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const request = parseLogsFlags(flags, env);
  let db;
  try {
    db = openLogsReadOnly(request.dbPath);
  } catch (err) {
    if (err instanceof LogsStoreError) {
      io.error(`threadstate logs: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  try {
    await tailLogs({ db, ...request, color: io.color && !request.json, write: io.write, signal: io.signal });
    return 0;
  } finally {
    db.close();
  }
}

async function runOnProcess(flags: ParsedFlags): Promise<number> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  const onStdoutError = (err: NodeJS.ErrnoException): void => {
    // A closed pipe (`threadstate logs | head`) ends the command quietly.
    if (err.code !== 'EPIPE') process.stderr.write(`threadstate logs: cannot write output: ${err.message}\n`);
    stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.on('error', onStdoutError);
  const out = process.stdout;
  try {
    return await runLogs(flags, {
      write: async (text) => {
        if (controller.signal.aborted) return;
        if (!out.write(text)) {
          try {
            await once(out, 'drain', { signal: controller.signal });
          } catch {
            // Aborted while waiting: the loop sees the signal and stops.
          }
        }
      },
      error: (text) => process.stderr.write(text),
      signal: controller.signal,
      color: Boolean(out.isTTY) && !('NO_COLOR' in process.env),
    });
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.stdout.off('error', onStdoutError);
  }
}

export const logsCommand: Command = {
  name: 'logs',
  summary: "print and follow threadstate's own log records",
  details:
    'Prints the last --backfill matching records oldest first, then follows new ones until interrupted ' +
    '(Ctrl-C). Filters combine with AND; repeated --module, --file or --thread-id values combine with OR. ' +
    'Times are RFC3339 (2026-05-01T12:00:00Z) or Unix seconds. The database is opened read-only.',
  flags: [
    CODEX_HOME_FLAG,
    { name: 'db', value: 'PATH', description: 'logs database file to read (overrides --codex-home)' },
    { name: 'level', value: 'LEVEL', description: 'only records of exactly this level (trace, debug, info, warn, error)' },
    { name: 'from', value: 'TIME', description: 'only records at or after TIME (RFC3339 or unix seconds)' },
    { name: 'to', value: 'TIME', description: 'only records at or before TIME (RFC3339 or unix seconds)' },
    { name: 'module', value: 'SUBSTR', repeatable: true, description: 'only records whose module (target) contains SUBSTR' },
    { name: 'file', value: 'SUBSTR', repeatable: true, description: 'only records whose source file contains SUBSTR' },
    { name: 'thread-id', value: 'ID', repeatable: true, description: 'only records about this thread' },
    { name: 'backfill', value: 'N', description: 'matching records to print before following (default 200)' },
    { name: 'poll-ms', value: 'MS', description: 'how often to look for new records (default 500)' },
    { name: 'json', description: 'print one JSON object per line' },
  ],
  run: runOnProcess,
};
