import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { UsageError } from '../../../src/errors.ts';
import { logger } from '../../../src/logs/logger.ts';
import { resolveLogLevel, startLogSink, type LogSinkHandle } from '../../../src/logs-db/sink.ts';
import { LogStore } from '../../../src/logs-db/store.ts';
import { finish, makeTempDir, removeDir, spawnChild, waitForLine } from './support.ts';

const log = logger('test.sink');

function messages(path: string, target = 'test.sink'): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return (db.prepare('SELECT message FROM logs WHERE target = ? ORDER BY id').all(target) as { message: string }[]).map((r) => r.message);
  } finally {
    db.close();
  }
}

async function lockWith(path: string, mode: 'wal' | 'rollback'): Promise<ChildProcess> {
  const child = spawnChild('lock-db.ts', [path, mode]);
  await waitForLine(child, (l) => l === 'locked');
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  const done = finish(child);
  child.stdin?.end();
  assert.equal((await done).code, 0);
}

describe('logs/sink', () => {
  let home: string;
  let path: string;
  let sink: LogSinkHandle | null;
  let warnings: string[];
  const warn = (line: string): void => {
    warnings.push(line);
  };

  beforeEach(() => {
    home = makeTempDir();
    path = join(home, 'threadstate-logs_1.sqlite');
    sink = null;
    warnings = [];
  });
  afterEach(() => {
    sink?.close();
    removeDir(home);
  });

  it('writes off the caller path, on its timer, with callsite, thread and process', async () => {
    sink = startLogSink({ codexHome: home, flushIntervalMs: 10, warn });
    log.debug('first', { threadId: 'th-1', n: 1 });
    assert.equal(sink.status().queued, 1, 'the call only queues the record');
    assert.deepEqual(messages(path), []);
    for (let i = 0; i < 100 && messages(path).length === 0; i++) await sleep(10);
    const db = new DatabaseSync(path, { readOnly: true });
    const r = db.prepare("SELECT * FROM logs WHERE target = 'test.sink'").get() as Record<string, unknown>;
    db.close();
    assert.equal(r.message, 'first');
    assert.equal(r.thread_id, 'th-1');
    assert.equal(r.fields_json, '{"n":1}');
    assert.equal(r.level, 'DEBUG');
    assert.equal(r.process_id, process.pid);
    assert.match(String(r.process_uuid), /^[0-9a-f-]{36}$/);
    assert.match(String(r.file), /test\/unit\/logs\/sink\.test\.ts$/);
    assert.equal(typeof r.line, 'number');
    assert.ok(Number(r.ts_nanos) >= 0 && Number(r.ts_nanos) < 1e9);
    assert.deepEqual(warnings, []);
  });

  it('with openDelayMs, creates no database until open() (or the delay), keeping the records queued meanwhile', async () => {
    sink = startLogSink({ codexHome: home, flushIntervalMs: 10, openDelayMs: 60_000, warn });
    log.info('before the open');
    await sleep(40);
    assert.equal(sink.status().state, 'waiting');
    assert.equal(sink.status().queued, 1);
    assert.throws(() => readFileSync(path), /ENOENT/, 'the file is not even created before the open');
    sink.open();
    assert.equal(sink.status().state, 'open');
    assert.deepEqual(messages(path), ['before the open']);
    sink.open(); // a second call changes nothing
    log.info('after the open');
    sink.flush();
    assert.deepEqual(messages(path), ['before the open', 'after the open']);
    assert.deepEqual(warnings, []);
  });

  it('with openDelayMs, opens on its own once the delay is over, and at close when it never opened', async () => {
    sink = startLogSink({ codexHome: home, flushIntervalMs: 10, openDelayMs: 30, warn });
    log.info('waits for the delay');
    const started = Date.now();
    while (sink.status().state === 'waiting' && Date.now() - started < 5000) await sleep(10);
    assert.equal(sink.status().state, 'open');
    sink.flush();
    assert.deepEqual(messages(path), ['waits for the delay']);
    sink.close();

    const path2 = join(home, 'second', 'threadstate-logs_1.sqlite');
    sink = startLogSink({ codexHome: home, dbPath: path2, openDelayMs: 60_000, warn });
    log.info('written at close');
    sink.close();
    assert.deepEqual(messages(path2), ['written at close']);
  });

  it('stores DEBUG and above by default, and a configured level', () => {
    sink = startLogSink({ codexHome: home, warn });
    log.trace('not stored');
    log.debug('stored');
    sink.close();
    assert.deepEqual(messages(path), ['stored']);
    sink = startLogSink({ codexHome: home, storeLevel: 'TRACE', warn });
    log.trace('now stored');
    sink.close();
    assert.deepEqual(messages(path), ['stored', 'now stored']);
  });

  it('keeps the caller working when another process holds the write lock, then catches up', async () => {
    LogStore.open(path).close();
    const locker = await lockWith(path, 'wal');
    try {
      sink = startLogSink({ codexHome: home, warn, busyTimeoutMs: 20 });
      for (let i = 0; i < 20; i++) log.debug(`while locked ${i}`);
      sink.flush();
      assert.equal(sink.status().state, 'open');
      assert.equal(sink.status().queued, 20, 'records wait in memory');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /WARN  logs-db\.sink - .*locked by another process/);
      sink.flush();
      assert.equal(warnings.length, 1, 'one warning per outage');
    } finally {
      await release(locker);
    }
    sink.flush();
    assert.equal(sink.status().queued, 0);
    assert.equal(messages(path).length, 20);
    assert.match(warnings[1], /writable again/);
  });

  it('bounds the queue by dropping the oldest records, and records how many went', async () => {
    LogStore.open(path).close();
    const locker = await lockWith(path, 'wal');
    try {
      sink = startLogSink({ codexHome: home, warn, busyTimeoutMs: 20, maxQueued: 100, batchRows: 10 });
      for (let i = 0; i < 250; i++) log.debug(`q ${i}`);
      assert.deepEqual({ ...sink.status(), state: undefined }, { state: undefined, queued: 100, dropped: 150, written: 0 });
    } finally {
      await release(locker);
    }
    sink.flush();
    const kept = messages(path);
    assert.equal(kept.length, 100);
    assert.equal(kept[0], 'q 150');
    assert.equal(kept[99], 'q 249');
    assert.ok(messages(path, 'logs-db.sink').some((m) => m.startsWith('dropped 150 log records')));
  });

  it('starts with stderr only when the file is locked exclusively, and opens it once it is free', async () => {
    const locker = await lockWith(path, 'rollback');
    try {
      sink = startLogSink({ codexHome: home, warn, busyTimeoutMs: 20, reopenAfterMs: 0 });
      log.debug('during the lock');
      assert.equal(sink.status().state, 'waiting');
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /locked by another process/);
    } finally {
      await release(locker);
    }
    // Once the lock is gone the next attempt opens (and migrates) the file and writes what waited.
    sink.flush();
    assert.equal(sink.status().state, 'open');
    assert.deepEqual(messages(path), ['during the lock']);
  });

  it('falls back to stderr only, leaving the file alone, when it is not a database', () => {
    const garbage = Buffer.from('this is not sqlite at all '.repeat(400));
    writeFileSync(path, garbage);
    sink = startLogSink({ codexHome: home, warn });
    log.debug('still fine');
    sink.flush();
    assert.equal(sink.status().state, 'stderr-only');
    assert.equal(sink.status().queued, 0);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /cannot open logs database .*not a database.*delete the file.*stderr only/);
    assert.deepEqual(readFileSync(path), garbage);
  });

  for (const broken of ['locked', 'garbage'] as const) {
    it(`lets a process start and serve with the logs database ${broken}`, async () => {
      let locker: ChildProcess | null = null;
      if (broken === 'garbage') writeFileSync(path, Buffer.alloc(8192, 0xab));
      else locker = await lockWith(path, 'rollback');
      try {
        const result = await finish(spawnChild('write-logs.ts', [home, '50', 'served-record']));
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /^started\nserved /);
        const sinkWarnings = result.stderr.split('\n').filter((l) => l.includes('logs-db.sink'));
        assert.equal(sinkWarnings.length, 1, result.stderr);
        assert.match(sinkWarnings[0], broken === 'locked' ? /locked by another process/ : /not a database/);
        assert.equal(result.stderr.split('\n').filter((l) => l.includes('served-record')).length, 50, 'stderr still has every record');
      } finally {
        if (locker) await release(locker);
      }
    });
  }

  it('resolves the stderr level from the flag, then THREADSTATE_LOG, then INFO', () => {
    assert.equal(resolveLogLevel('debug', {}), 'DEBUG');
    assert.equal(resolveLogLevel(undefined, { THREADSTATE_LOG: 'warn' }), 'WARN');
    assert.equal(resolveLogLevel(undefined, { THREADSTATE_LOG: 'nonsense' }), 'INFO');
    assert.equal(resolveLogLevel(undefined, {}), 'INFO');
    assert.throws(() => resolveLogLevel('loud', {}), (err: unknown) => err instanceof UsageError && /--log-level .*got 'loud'/.test(err.message));
  });
});
