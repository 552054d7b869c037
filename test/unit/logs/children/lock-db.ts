// Holds an exclusive lock on a SQLite file until its stdin closes: `lock-db.ts PATH wal|rollback`.
// In rollback mode the file is (re)created as a plain rollback-journal database, so nobody can
// even read it; in WAL mode readers still can, but no one else can write.

import { DatabaseSync } from 'node:sqlite';

const [path, mode] = process.argv.slice(2);
const db = new DatabaseSync(path, { timeout: 5000 });
if (mode === 'rollback') {
  db.exec('PRAGMA journal_mode = DELETE');
  db.exec('CREATE TABLE IF NOT EXISTS other (x)');
}
// Takes the write lock at once (in rollback mode, the exclusive lock that also shuts out readers).
db.exec('BEGIN EXCLUSIVE');
process.stdout.write('locked\n');
process.stdin.resume();
process.stdin.on('end', () => {
  db.exec('ROLLBACK');
  db.close();
  process.exit(0);
});
