import assert from 'node:assert/strict';
import { existsSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { CLEAN_MARK_SUFFIX, takeCleanMark, writeCleanMark } from '../../../src/sqlite/clean-mark.ts';
import { migrationFilesStamp } from '../../../src/sqlite/migrate.ts';
import { STATE_MIGRATIONS_DIR, openStateStore } from '../../../src/store/open.ts';
import { tempHome, writeRollout } from '../state/helpers.ts';

/** A home with one rollout whose index was opened and closed cleanly (the mark is checked). */
function cleanlyClosedIndex(): { home: string; path: string } {
  const home = tempHome();
  writeRollout(home);
  const store = openStateStore(home);
  const path = store.db.path;
  store.close();
  assert.ok(existsSync(path + CLEAN_MARK_SUFFIX));
  return { home, path };
}

describe('store: clean-close mark', () => {
  it('is left by a clean close, taken once by the next open, and refused when the file changed or a -wal is present', () => {
    const { path } = cleanlyClosedIndex();
    const note = migrationFilesStamp(STATE_MIGRATIONS_DIR).text;
    assert.equal(takeCleanMark(path, note), true, 'the index notes its migration files in the mark');
    writeCleanMark(path, note);
    assert.equal(takeCleanMark(path, 'migrations 0001_other.sql:1:2'), false, 'other migration files: checked');
    writeCleanMark(path);
    assert.equal(takeCleanMark(path), true);
    assert.equal(existsSync(path + CLEAN_MARK_SUFFIX), false, 'taken at open: a crash leaves no mark');
    assert.equal(takeCleanMark(path), false);

    writeCleanMark(path);
    utimesSync(path, 1_800_000_000, 1_800_000_000);
    assert.equal(takeCleanMark(path), false, 'a file touched since the close is checked');

    writeCleanMark(path);
    writeFileSync(`${path}-wal`, '');
    assert.equal(takeCleanMark(path), false, 'a -wal means another writer: checked');
  });

  it('the store says whether the previous process closed the index cleanly', () => {
    const { home } = cleanlyClosedIndex();
    const afterClean = openStateStore(home);
    assert.equal(afterClean.info.closedCleanly, true);
    // Not closed: as a killed process leaves it (the mark was taken at open).
    const afterKill = openStateStore(home);
    try {
      assert.equal(afterKill.info.closedCleanly, false);
    } finally {
      afterKill.close();
      afterClean.close();
    }
    const fresh = openStateStore(tempHome());
    assert.equal(fresh.info.closedCleanly, false, 'a new index has nothing to vouch for');
    fresh.close();
  });

  it('a damaged index is still moved aside at the next open, mark or not', () => {
    const { home, path } = cleanlyClosedIndex();
    writeFileSync(path, Buffer.alloc(8192, 7));
    const reopened = openStateStore(home);
    try {
      assert.ok(reopened.info.recoveredFrom, 'moved aside');
      assert.ok(readdirSync(home).some((n) => n.includes('.corrupt-')));
    } finally {
      reopened.close();
    }
  });
});
