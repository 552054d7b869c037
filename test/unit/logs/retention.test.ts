import assert from 'node:assert/strict';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { logger } from '../../../src/logs/logger.ts';
import { prunePartitions } from '../../../src/logs-db/retention.ts';
import { startLogSink } from '../../../src/logs-db/sink.ts';
import { LogStore, removeLegacyLogsDbs } from '../../../src/logs-db/store.ts';
import { makeTempDir, removeDir, row, seed } from './support.ts';

const DAY = 24 * 60 * 60;
const log = logger('test.retention');

function query<T>(path: string, sql: string, ...params: (string | number)[]): T[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

describe('logs/retention', () => {
  let home: string;
  let path: string;
  beforeEach(() => {
    home = makeTempDir();
    path = join(home, 'threadstate-logs_1.sqlite');
  });
  afterEach(() => removeDir(home));

  it('creates the file with auto_vacuum=INCREMENTAL and WAL', () => {
    LogStore.open(path).close();
    const db = new DatabaseSync(path, { readOnly: true });
    assert.equal((db.prepare('PRAGMA auto_vacuum').get() as { auto_vacuum: number }).auto_vacuum, 2);
    assert.equal((db.prepare('PRAGMA journal_mode').get() as { journal_mode: string }).journal_mode, 'wal');
    db.close();
  });

  it('keeps each partition under its byte cap, newest rows first, in the insert transaction', () => {
    const cap = 64 * 1024;
    const sink = startLogSink({ codexHome: home, retention: { partitionCapBytes: cap }, batchRows: 100 });
    const filler = 'x'.repeat(200);
    for (let i = 0; i < 2000; i++) {
      log.debug(`big ${i} ${filler}`, { threadId: 'big-thread' });
      log.debug(`loose ${i} ${filler}`);
      if (i % 500 === 0) log.debug(`small ${i}`, { threadId: 'small-thread' });
    }
    sink.close();
    const sums = query<{ k: string; bytes: number; n: number; newest: string }>(
      path,
      `SELECT COALESCE(thread_id, process_uuid) AS k, SUM(estimated_bytes) AS bytes, COUNT(*) AS n,
        (SELECT message FROM logs l2 WHERE l2.thread_id IS l.thread_id AND l2.process_uuid = l.process_uuid ORDER BY id DESC LIMIT 1) AS newest
       FROM logs l WHERE target = 'test.retention' GROUP BY thread_id, process_uuid`,
    );
    const big = sums.find((s) => s.k === 'big-thread')!;
    const loose = sums.find((s) => s.k !== 'big-thread' && s.k !== 'small-thread')!;
    const small = sums.find((s) => s.k === 'small-thread')!;
    assert.ok(big.bytes <= cap && big.bytes > cap / 2, `big thread holds ${big.bytes} bytes`);
    assert.ok(loose.bytes <= cap, `thread-less rows of this process hold ${loose.bytes} bytes`);
    assert.match(big.newest, /^big 1999 /);
    assert.match(loose.newest, /^loose 1999 /);
    assert.equal(small.n, 4, 'a partition under its cap keeps every row');
    // The oldest rows are the ones that went.
    const bigIds = query<{ message: string }>(path, "SELECT message FROM logs WHERE thread_id = 'big-thread' ORDER BY id");
    const first = Number(bigIds[0].message.split(' ')[1]);
    assert.equal(bigIds.length, 2000 - first, 'a contiguous run of the newest rows is kept');
    // The running totals the triggers keep agree with the rows.
    const totals = query<{ partition_key: string; bytes: number }>(path, "SELECT partition_key, bytes FROM log_partition_bytes WHERE partition_key = 't:big-thread'");
    assert.equal(totals[0].bytes, query<{ b: number }>(path, "SELECT SUM(estimated_bytes) AS b FROM logs WHERE thread_id = 'big-thread'")[0].b);
  });

  it('prunes each process partition of thread-less rows on its own', () => {
    const store = LogStore.open(path);
    const rows = [];
    for (let i = 0; i < 100; i++) rows.push(row({ processUuid: 'proc-big', estimatedBytes: 100, message: `big ${i}` }));
    for (let i = 0; i < 5; i++) rows.push(row({ processUuid: 'proc-small', estimatedBytes: 100 }));
    store.insert(rows, Number.MAX_SAFE_INTEGER);
    store.db.transaction(() => prunePartitions(store.db, ['p:proc-big', 'p:proc-small'], 1000));
    store.close();
    const counts = query<{ p: string; n: number }>(path, 'SELECT process_uuid AS p, COUNT(*) AS n FROM logs GROUP BY p ORDER BY p');
    assert.deepEqual(counts.map((c) => [c.p, c.n]), [['proc-big', 9], ['proc-small', 5]]);
  });

  it('deletes rows older than the age limit at start-up and the file shrinks', () => {
    const now = Math.floor(Date.now() / 1000);
    const text = 'y'.repeat(400);
    const rows = [];
    for (let i = 0; i < 12_000; i++) rows.push(row({ ts: now - 11 * DAY, message: `old ${i} ${text}`, threadId: `t${i % 50}` }));
    for (let i = 0; i < 10; i++) rows.push(row({ ts: now - 9 * DAY, message: `recent ${i}` }));
    seed(path, rows);
    const before = size(path) + size(`${path}-wal`);
    assert.ok(before > 4 * 1024 * 1024, `seeded ${before} bytes`);

    const sink = startLogSink({ codexHome: home });
    sink.flush();
    sink.close();
    const left = query<{ message: string }>(path, "SELECT message FROM logs WHERE target = 'test.logs' ORDER BY id");
    assert.deepEqual(left.map((r) => r.message), Array.from({ length: 10 }, (_, i) => `recent ${i}`));
    const after = size(path) + size(`${path}-wal`);
    assert.ok(after < before / 10, `file shrank from ${before} to ${after} bytes`);
    assert.equal(query<{ freelist_count: number }>(path, 'PRAGMA freelist_count')[0].freelist_count, 0);
  });

  it('honours a configured age limit', () => {
    const now = Math.floor(Date.now() / 1000);
    seed(path, [row({ ts: now - 3 * 3600, message: 'three hours' }), row({ ts: now - 60, message: 'a minute' })]);
    const sink = startLogSink({ codexHome: home, retention: { maxAgeMs: 2 * 3600 * 1000 } });
    sink.flush();
    sink.close();
    assert.deepEqual(query<{ message: string }>(path, "SELECT message FROM logs WHERE target = 'test.logs'").map((r) => r.message), ['a minute']);
  });

  it('keeps the -wal file bounded under a steady load', () => {
    const walLimit = 256 * 1024;
    const sink = startLogSink({ codexHome: home, retention: { walLimitBytes: walLimit }, batchRows: 200 });
    const text = 'z'.repeat(1000);
    let largest = 0;
    for (let round = 0; round < 40; round++) {
      for (let i = 0; i < 200; i++) log.debug(`round ${round} row ${i} ${text}`, { threadId: `wal-${i % 20}` });
      sink.flush();
      largest = Math.max(largest, size(`${path}-wal`));
    }
    sink.close();
    assert.ok(largest <= walLimit, `largest -wal after a flush: ${largest} bytes (limit ${walLimit})`);
    const n = query<{ n: number }>(path, "SELECT COUNT(*) AS n FROM logs WHERE target = 'test.retention'")[0].n;
    assert.equal(n, 8000, 'every row was written (8 MB went through the WAL)');
  });

  it("removes only threadstate's own logs files of older generations", () => {
    const names = [
      'threadstate-logs_0.sqlite', 'threadstate-logs_0.sqlite-wal', 'threadstate-logs_7.sqlite-shm',
      'threadstate-logs_1.sqlite', 'threadstate-logs_1.sqlite-wal', 'threadstate-logs_0.sqlite.bak',
      'logs_1.sqlite', 'logs_2.sqlite', 'logs_2.sqlite-wal', 'state_5.sqlite', 'threadstate_1.sqlite', 'threadstate_0.sqlite',
    ];
    for (const name of names) writeFileSync(join(home, name), 'x');
    const removed = removeLegacyLogsDbs(home).sort();
    assert.deepEqual(removed, ['threadstate-logs_0.sqlite', 'threadstate-logs_0.sqlite-wal']);
    assert.deepEqual(readdirSync(home).sort(), names.filter((n) => !removed.includes(n)).sort());
    assert.deepEqual(removeLegacyLogsDbs(join(home, 'missing')), []);
  });
});
