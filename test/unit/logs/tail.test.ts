import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Database } from '../../../src/sqlite/db.ts';
import { openLogsReadOnly } from '../../../src/logs-db/store.ts';
import {
  buildWhere, formatJson, formatLine, parseTimeArg, poll, queryLast, startPoint, tailLogs, type LogFilter, type LogRow,
} from '../../../src/logs-db/tail.ts';
import { finish, makeTempDir, removeDir, row, seed, spawnChild } from './support.ts';

const T0 = 1_780_000_000; // 2026-05-28T20:26:40Z

describe('logs/tail', () => {
  let dir: string;
  let path: string;
  let db: Database;

  before(() => {
    dir = makeTempDir();
    path = join(dir, 'threadstate-logs_1.sqlite');
    seed(path, [
      row({ ts: T0, level: 'INFO', target: 'server.dispatch', file: 'src/server/dispatch.ts', message: 'a', threadId: 't1' }),
      row({ ts: T0 + 10, level: 'WARN', target: 'state.db', file: 'src/state/db.ts', message: 'b', threadId: null }),
      row({ ts: T0 + 20, level: 'DEBUG', target: 'state.backfill', file: 'src/state/backfill.ts', message: 'c', threadId: 't2' }),
      row({ ts: T0 + 30, level: 'ERROR', target: 'rollout.reader', file: 'src/rollout/reader.ts', message: 'd', threadId: 't1' }),
      row({ ts: T0 + 40, level: 'INFO', target: 'state.db', file: 'src/state/db.ts', message: 'e', threadId: 't2', fieldsJson: '{"n":5}' }),
      row({ ts: T0 + 50, level: 'info', target: 'odd_name%', file: null, line: null, message: 'f', threadId: null }),
    ]);
    db = openLogsReadOnly(path);
  });
  after(() => {
    db.close();
    removeDir(dir);
  });

  const messages = (filter: LogFilter, n = 100): string => queryLast(db, filter, n).map((r) => r.message).join('');

  it('returns everything oldest first without filters', () => {
    assert.equal(messages({}), 'abcdef');
  });

  it('filters by exact level, case-insensitively', () => {
    assert.equal(messages({ level: 'WARN' }), 'b');
    assert.equal(messages({ level: 'INFO' }), 'aef'); // a row stored as 'info' matches too
    assert.equal(messages({ level: 'ERROR' }), 'd');
  });

  it('filters by time range, inclusive at both ends', () => {
    assert.equal(messages({ fromTs: T0 + 10 }), 'bcdef');
    assert.equal(messages({ toTs: T0 + 20 }), 'abc');
    assert.equal(messages({ fromTs: T0 + 10, toTs: T0 + 30 }), 'bcd');
    assert.equal(messages({ fromTs: T0 + 11, toTs: T0 + 19 }), '');
  });

  it('filters by module and file substrings, OR within a flag', () => {
    assert.equal(messages({ modules: ['state.'] }), 'bce');
    assert.equal(messages({ modules: ['dispatch', 'rollout'] }), 'ad');
    assert.equal(messages({ files: ['src/state/db'] }), 'be');
    assert.equal(messages({ files: ['backfill', 'reader'] }), 'cd');
  });

  it('treats % and _ in substrings literally', () => {
    assert.equal(messages({ modules: ['name%'] }), 'f');
    assert.equal(messages({ modules: ['%'] }), 'f');
    assert.equal(messages({ modules: ['d_b'] }), '');
  });

  it('filters by thread ids', () => {
    assert.equal(messages({ threadIds: ['t1'] }), 'ad');
    assert.equal(messages({ threadIds: ['t1', 't2'] }), 'acde');
    assert.equal(messages({ threadIds: ['nope'] }), '');
  });

  it('combines filters with AND', () => {
    assert.equal(messages({ modules: ['state'], threadIds: ['t2'] }), 'ce');
    assert.equal(messages({ modules: ['state'], threadIds: ['t2'], level: 'INFO' }), 'e');
    assert.equal(messages({ files: ['db.ts'], fromTs: T0 + 15, level: 'INFO' }), 'e');
    assert.equal(messages({ fromTs: T0 + 35, level: 'INFO' }), 'ef');
    assert.equal(messages({ modules: ['state'], toTs: T0 + 10, threadIds: ['t1'] }), '');
  });

  it('backfills only the last N matching rows, oldest first', () => {
    assert.equal(messages({}, 2), 'ef');
    assert.equal(messages({ modules: ['state'] }, 2), 'ce');
    assert.equal(messages({}, 0), '');
    const start = startPoint(db, { threadIds: ['t1'] }, 1);
    assert.deepEqual(start.rows.map((r) => r.message), ['d']);
    assert.equal(start.lastId, 6, 'tailing continues after the newest row, matching or not');
  });

  it('polls rows after an id and skips past non-matching ones', () => {
    const next = poll(db, { level: 'ERROR' }, 0);
    assert.deepEqual(next.rows.map((r) => r.message), ['d']);
    assert.equal(next.lastId, 6);
    assert.equal(next.more, false);
  });

  it('builds a no-op WHERE for an empty filter', () => {
    assert.deepEqual(buildWhere({}), { where: '1', params: [] });
  });

  it('formats a line as time, padded level, thread, target and message', () => {
    const [a] = queryLast(db, { threadIds: ['t1'], level: 'INFO' }, 1);
    const expectedTime = new Date(T0 * 1000 + Math.floor(a.ts_nanos / 1e6)).toISOString();
    assert.equal(formatLine(a), `${expectedTime} INFO  [t1] server.dispatch - a`);
    const [b] = queryLast(db, { level: 'WARN' }, 1);
    assert.match(formatLine(b), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN  \[-\] state\.db - b$/);
    const [e] = queryLast(db, { threadIds: ['t2'], level: 'INFO' }, 1);
    assert.ok(formatLine(e).endsWith('state.db - e {"n":5}'));
  });

  it('colours the level only when asked', () => {
    const [d] = queryLast(db, { level: 'ERROR' }, 1);
    assert.ok(formatLine(d, true).includes('\x1b[31mERROR\x1b[0m'));
    assert.ok(!formatLine(d, false).includes('\x1b['));
  });

  it('prints one parseable JSON object per row', () => {
    const [e] = queryLast(db, { threadIds: ['t2'], level: 'INFO' }, 1);
    const parsed = JSON.parse(formatJson(e));
    assert.equal(parsed.message, 'e');
    assert.equal(parsed.thread_id, 't2');
    assert.equal(parsed.ts, T0 + 40);
    assert.deepEqual(parsed.fields, { n: 5 });
    assert.match(parsed.time, /Z$/);
  });

  describe('parseTimeArg', () => {
    it('accepts unix seconds and RFC3339 in several offsets', () => {
      assert.equal(parseTimeArg('1780000000'), 1_780_000_000);
      assert.equal(parseTimeArg('0'), 0);
      assert.equal(parseTimeArg('2026-05-28T20:26:40Z'), 1_780_000_000);
      assert.equal(parseTimeArg('2026-05-28T20:26:40.999Z'), 1_780_000_000);
      assert.equal(parseTimeArg('2026-05-28T22:26:40+02:00'), 1_780_000_000);
      assert.equal(parseTimeArg('2026-05-28 20:26:40z'), 1_780_000_000);
    });
    it('rejects anything else with the expected message', () => {
      for (const bad of ['yesterday', '2026-05-28', '2026-05-28T20:26:40', '1.5', '', '12abc', '2026-13-45T99:00:00Z']) {
        assert.throws(() => parseTimeArg(bad), { message: `expected RFC3339 or unix seconds, got '${bad}'` }, bad);
      }
    });
  });
});

describe('logs/tail: following another process', () => {
  let home: string;
  before(() => {
    home = makeTempDir();
  });
  after(() => removeDir(home));

  it('prints the backfill, then rows another process writes after the start', async () => {
    const path = join(home, 'threadstate-logs_1.sqlite');
    seed(path, [row({ message: 'old 1' }), row({ message: 'old 2' }), row({ message: 'old 3' })]);
    const db = openLogsReadOnly(path);
    const controller = new AbortController();
    const out: string[] = [];
    let sawAll!: () => void;
    const done = new Promise<void>((r) => (sawAll = r));
    const tail = tailLogs({
      db, filter: { modules: ['child.writer', 'test.logs'] }, backfill: 2, pollMs: 20, json: true, signal: controller.signal,
      write: (text) => {
        out.push(...text.trimEnd().split('\n'));
        if (out.filter((l) => l.includes('fresh')).length === 5) sawAll();
      },
    });
    const child = spawnChild('write-logs.ts', [home, '5', 'fresh', '30']);
    const result = finish(child);
    await done;
    controller.abort();
    await tail;
    db.close();
    assert.equal((await result).code, 0);
    const rows = out.map((l) => JSON.parse(l) as LogRow & { process_id: number });
    assert.deepEqual(rows.map((r) => r.message), ['old 2', 'old 3', 'fresh 0', 'fresh 1', 'fresh 2', 'fresh 3', 'fresh 4']);
    const fresh = rows.slice(2);
    assert.ok(fresh.every((r) => r.thread_id === 'child-thread' && r.process_id === child.pid && r.target === 'child.writer'));
    assert.ok(fresh.every((r) => r.file?.endsWith('children/write-logs.ts') && typeof r.line === 'number'), 'the callsite is recorded');
  });
});
