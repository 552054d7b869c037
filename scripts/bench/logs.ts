// Logs benchmark: insert throughput through the real logger and sink under a steady load (with the
// partition caps pruning as they would in a long-running server), then the tail client's query
// latency on a 1,000,000-row logs database.
//
//   node scripts/bench/logs.ts [--rows 200000] [--tail-rows 1000000] [--keep]

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { logger, setStderrLevel } from '../../src/logs/logger.ts';
import { startLogSink } from '../../src/logs-db/sink.ts';
import { LogStore, logsDbPath, openLogsReadOnly, type NewLogRow } from '../../src/logs-db/store.ts';
import { maxId, poll, queryLast, type LogFilter } from '../../src/logs-db/tail.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, 'tail-rows': { type: 'string', default: '1000000' }, keep: { type: 'boolean', default: false } },
});
const ROWS = Number(values.rows);
const TAIL_ROWS = Number(values['tail-rows']);
const MiB = 1024 * 1024;

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

async function insertThroughput(home: string): Promise<void> {
  setStderrLevel('ERROR');
  // Small caps so that pruning and vacuuming are part of the measured load.
  const sink = startLogSink({ codexHome: home, retention: { partitionCapBytes: 2 * MiB } });
  const log = logger('bench.logs');
  const note = 'x'.repeat(80);
  const started = performance.now();
  let callNs = 0n;
  for (let i = 0; i < ROWS; i++) {
    const t = process.hrtime.bigint();
    // Mostly constant messages with variable fields, as modules log; every tenth one interpolated.
    if (i % 10 === 0) log.debug(`handled request ${i} in ${i % 97} ms`, { threadId: `thread-${i % 20}`, note });
    else log.debug('request handled', { threadId: `thread-${i % 20}`, i, elapsedMs: i % 97, note });
    callNs += process.hrtime.bigint() - t;
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r)); // let the sink's timer run, like a server between requests
  }
  while (sink.status().queued > 0) await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - started) / 1000;
  const status = sink.status();
  sink.close();
  const path = logsDbPath(home);
  // Records the sink dropped (its queue is bounded) never reach the database: the throughput is the written rows'.
  const written = ROWS - status.dropped;
  console.log(`insert: ${ROWS} records in ${seconds.toFixed(2)} s, ${written} written = ${Math.round(written / seconds)} rows/s through the sink ` +
    `(logger call ${(Number(callNs) / ROWS / 1000).toFixed(2)} µs avg, dropped ${status.dropped}), ` +
    `db ${(fileSize(path) / MiB).toFixed(1)} MiB, -wal ${(fileSize(`${path}-wal`) / MiB).toFixed(2)} MiB`);
}

function seedMillion(path: string): void {
  const store = LogStore.open(path);
  const now = Math.floor(Date.now() / 1000);
  const targets = ['server.dispatch', 'state.db', 'state.backfill', 'rollout.reader', 'threads.service'];
  const levels = ['TRACE', 'DEBUG', 'INFO', 'INFO', 'INFO', 'WARN', 'ERROR'];
  const started = performance.now();
  for (let i = 0; i < TAIL_ROWS; i += 5000) {
    const batch: NewLogRow[] = [];
    for (let j = i; j < Math.min(TAIL_ROWS, i + 5000); j++) {
      const message = `message number ${j} with some ordinary text`;
      batch.push({
        ts: now - Math.floor((TAIL_ROWS - j) / 10), tsNanos: j % 1_000_000_000, level: levels[j % levels.length], target: targets[j % targets.length],
        file: `src/${targets[j % targets.length].replace('.', '/')}.ts`, line: j % 400, message, fieldsJson: null,
        threadId: j % 4 === 0 ? null : `thread-${j % 500}`, processId: 1, processUuid: 'bench', estimatedBytes: message.length + 40,
      });
    }
    store.insert(batch, Number.MAX_SAFE_INTEGER);
  }
  store.close();
  console.log(`seeded ${TAIL_ROWS} rows in ${((performance.now() - started) / 1000).toFixed(1)} s (${(fileSize(path) / MiB).toFixed(0)} MiB)`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function tailLatency(path: string): void {
  const db = openLogsReadOnly(path);
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, LogFilter][] = [
    ['no filter', {}],
    ['--level error', { level: 'ERROR' }],
    ['--thread-id', { threadIds: ['thread-7'] }],
    ['--module state', { modules: ['state'] }],
    ['--file backfill --level warn', { files: ['backfill'], level: 'WARN' }],
    ['--from (last hour)', { fromTs: now - 3600 }],
    ['rare: --thread-id + --level error', { threadIds: ['thread-3'], level: 'ERROR' }],
  ];
  const top = maxId(db);
  for (const [name, filter] of cases) {
    const backfill: number[] = [];
    const polls: number[] = [];
    for (let i = 0; i < 15; i++) {
      let t = performance.now();
      queryLast(db, filter, 200);
      backfill.push(performance.now() - t);
      t = performance.now();
      poll(db, filter, top - 100); // a poll that finds the last 100 rows new
      polls.push(performance.now() - t);
    }
    console.log(`tail ${name.padEnd(34)} backfill 200: ${median(backfill).toFixed(2)} ms   poll: ${median(polls).toFixed(3)} ms`);
  }
  db.close();
}

const home = mkdtempSync(join(tmpdir(), 'threadstate-bench-logs-'));
try {
  await insertThroughput(join(home, 'insert'));
  const path = join(home, 'tail', 'threadstate-logs_1.sqlite');
  seedMillion(path);
  tailLatency(path);
} finally {
  if (values.keep) console.log(`kept ${home}`);
  else rmSync(home, { recursive: true, force: true });
}
