// Several processes opening a brand-new index at the same moment all end up with a migrated,
// usable database: none fails on a migration another one applied while it waited for the lock.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';

const OPEN_SCRIPT = `
import { openStateStore } from ${JSON.stringify(fileURLToPath(new URL('../../../src/store/open.ts', import.meta.url)))};
const store = openStateStore(process.argv[2]);
process.stdout.write(String(store.info.schemaVersion));
store.close();
`;

function run(script: string, home: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, home]);
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => { out += c; });
    child.stderr.on('data', (c) => { err += c; });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

describe('state: concurrent first open', function () {
  this.timeout(60000);

  it('lets four processes migrate the same new file at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'threadstate-open-'));
    try {
      const script = join(dir, 'open.ts');
      writeFileSync(script, OPEN_SCRIPT);
      for (let round = 0; round < 3; round++) {
        const home = join(dir, `home-${round}`);
        mkdirSync(home);
        const results = await Promise.all([0, 1, 2, 3].map(() => run(script, home)));
        for (const r of results) assert.equal(r.code, 0, r.err);
        const versions = new Set(results.map((r) => r.out));
        assert.equal(versions.size, 1, `all see one schema version: ${[...versions].join(', ')}`);
        const db = new DatabaseSync(join(home, 'threadstate_1.sqlite'), { readOnly: true });
        const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
        db.close();
        assert.deepEqual(rows.map((r) => r.version), rows.map((_, i) => i + 1), 'each migration recorded once');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
