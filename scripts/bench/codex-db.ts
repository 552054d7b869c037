// What keeping Codex's databases in step costs a mutation: each change opens the database, checks
// its schema (migrations and columns) inside an IMMEDIATE transaction, writes one thread's rows and
// closes. Prints per-operation latency in process on a Codex state database of N thread rows, then
// the `thread/name/set` round trip through the server on the fixture home without and with Codex's
// databases (what the change adds to a mutation).
//
//   node scripts/bench/codex-db.ts [--rows 10000] [--ops 200]

import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CodexDbSync } from '../../src/codex-db/sync.ts';
import { setStderrLevel } from '../../src/logs/logger.ts';
import { listRolloutFiles } from '../../src/rollout/paths.ts';
import { AppServerProcess } from '../../test/helpers/app-server.ts';
import { createCodexDb, insertCodexThread, withDb } from '../../test/helpers/codex-db-fixture.ts';
import { copyFixtureHome, makeTempDir, removeDir } from '../../test/helpers/home.ts';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '10000' }, ops: { type: 'string', default: '200' } } });
const ROWS = Number(values.rows);
const OPS = Number(values.ops);
setStderrLevel('ERROR');

function stats(samples: number[]): string {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return `p50 ${q(0.5).toFixed(2)} ms, p95 ${q(0.95).toFixed(2)} ms`;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const uuid = (i: number) => `01a2121e-${(i >>> 16).toString(16).padStart(4, '0')}-7${(i & 0xfff).toString(16).padStart(3, '0')}-8000-${i.toString(16).padStart(12, '0')}`;

// ---- in process ----
const dir = makeTempDir('codex-db-bench-');
try {
  const state = createCodexDb(dir, 'state_5');
  createCodexDb(dir, 'thread_history_1');
  withDb(state, (db) => {
    db.exec('BEGIN');
    const insert = db.prepare(`INSERT INTO threads (id, rollout_path, created_at, updated_at, source, model_provider, cwd, title, sandbox_policy, approval_mode, first_user_message, preview)
      VALUES (?, ?, 1795600000, 1795600000, 'vscode', 'openai', '/w', 'hello', '{}', 'on-request', 'hello', 'hello')`);
    for (let i = 0; i < ROWS; i++) insert.run(uuid(i), join(dir, `sessions/r-${i}.jsonl`));
    db.exec('COMMIT');
  });
  const sync = new CodexDbSync(dir);
  const rename: number[] = [];
  const archive: number[] = [];
  const git: number[] = [];
  const remove: number[] = [];
  for (let i = 0; i < OPS; i++) {
    const id = uuid((i * 7919) % ROWS);
    rename.push(time(() => sync.threadRenamed(id, `name ${i}`)));
    archive.push(time(() => sync.threadArchived(id, join(dir, `archived_sessions/r-${i}.jsonl`), 1796000000, 1796000000000)));
    git.push(time(() => sync.threadGitUpdated(id, { branch: `b${i}` })));
  }
  for (let i = 0; i < Math.min(OPS, 50); i++) remove.push(time(() => sync.threadDeleted(uuid(ROWS - 1 - i))));
  console.log(`in process, Codex state DB of ${ROWS} threads (${OPS} ops each):`);
  console.log(`  rename           ${stats(rename)}`);
  console.log(`  archive          ${stats(archive)}`);
  console.log(`  git update       ${stats(git)}`);
  console.log(`  delete (2 DBs)   ${stats(remove)}`);
} finally {
  removeDir(dir);
}

// ---- through the server ----
async function renameRoundTrips(withCodexDbs: boolean): Promise<number[]> {
  const home = copyFixtureHome('codex-0.169.0');
  try {
    const files = await listRolloutFiles(home);
    if (withCodexDbs) {
      const state = createCodexDb(home, 'state_5');
      createCodexDb(home, 'thread_history_1');
      for (const f of files) insertCodexThread(state, f.id, f.path);
    }
    const server = new AppServerProcess(home);
    try {
      await server.initialize();
      const id = files.find((f) => !f.archived)!.id;
      const samples: number[] = [];
      for (let i = 0; i < OPS; i++) {
        const t = performance.now();
        await server.call('thread/name/set', { threadId: id, name: `name ${i}` });
        samples.push(performance.now() - t);
      }
      return samples;
    } finally {
      await server.close();
    }
  } finally {
    removeDir(join(home, '..'));
  }
}

console.log(`thread/name/set round trip over stdio (${OPS} calls, fixture home):`);
for (let round = 1; round <= 2; round++) {
  console.log(`  run ${round}: without Codex's databases ${stats(await renameRoundTrips(false))}; with them ${stats(await renameRoundTrips(true))}`);
}
