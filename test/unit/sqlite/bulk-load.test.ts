// Database.bulkLoad: while a bulk load writes, no commit checkpoints the WAL; the writer checkpoints
// it between its transactions (settleWal), so the WAL stays bounded; nothing written is lost.

import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Database } from '../../../src/sqlite/db.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

const ROW_BYTES = 64 * 1024;

function walBytes(path: string): number {
  return existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0;
}

describe('Database.bulkLoad', function () {
  this.timeout(60000);
  let dir = '';
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('checkpoints between transactions, not in commits, keeping the WAL bounded, and loses nothing', async () => {
    const path = join(dir, 'bulk.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const payload = Buffer.alloc(ROW_BYTES, 7);
    let largestWal = 0;
    let autocheckpointDuring = -1;
    // ~75 MB in 1,200 commits with a turn of the event loop between them, as phase 2 writes.
    await db.bulkLoad(async () => {
      autocheckpointDuring = (db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
      for (let i = 0; i < 1200; i++) {
        db.transaction(() => {
          db.run('INSERT INTO blobs (body) VALUES (?)', payload);
        });
        largestWal = Math.max(largestWal, walBytes(path));
        if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 5));
        else await yieldToEventLoop();
        db.settleWal();
      }
    });
    assert.equal(autocheckpointDuring, 0, 'commits do not checkpoint during the bulk load');
    // Without checkpoints the WAL would hold all ~75 MB; settleWal checkpoints it from 2 MB.
    assert.ok(largestWal < 4 * 1024 * 1024, `the WAL stayed bounded (largest ${largestWal} bytes)`);
    assert.equal((db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 1000);
    db.close();
    const again = new Database(path, { readOnly: true });
    assert.equal(again.get<{ n: number }>('SELECT count(*) AS n FROM blobs')?.n, 1200);
    again.close();
  });

  it('leaves an in-memory database (no WAL) to SQLite', async () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    const during = await db.bulkLoad(async () => {
      db.transaction(() => db.run('INSERT INTO t (x) VALUES (1)'));
      return (db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
    });
    assert.equal(during, 1000);
    assert.equal(db.get<{ n: number }>('SELECT count(*) AS n FROM t')?.n, 1);
    db.close();
  });

  it('restores the checkpoint settings when the load fails, and passes the error on', async () => {
    const path = join(dir, 'failing.sqlite');
    const db = new Database(path);
    db.exec('CREATE TABLE t (x INTEGER)');
    await assert.rejects(db.bulkLoad(async () => {
      db.transaction(() => db.run('INSERT INTO t (x) VALUES (1)'));
      throw new Error('the load failed');
    }), /the load failed/);
    assert.equal((db.raw.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint, 1000);
    assert.equal((db.raw.prepare('PRAGMA journal_size_limit').get() as { journal_size_limit: number }).journal_size_limit, 4 * 1024 * 1024);
    assert.equal(db.get<{ n: number }>('SELECT count(*) AS n FROM t')?.n, 1);
    db.close();
  });
});
