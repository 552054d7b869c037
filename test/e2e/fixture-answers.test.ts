// Replays every request the real Codex app-server answered on the fixture homes and compares
// threadstate's answers field by field: with the index, and with the index deleted (pure fallback).

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { AppServerProcess, CLI, NODE_BIN, type Json } from '../helpers/app-server.ts';
import { FIXTURE_ERAS, copyFixtureHome, recordedExchanges, rehome, removeDir, type FixtureEra } from '../helpers/home.ts';
import { differences } from '../helpers/compare.ts';

/** Known, documented differences from the recorded answers (see test/fixtures/README.md). */
function ignoredPaths(era: FixtureEra, mode: 'index' | 'fallback' | 'backfilling', method: string, params: Json): RegExp[] {
  const ignored: RegExp[] = [];
  if (era === 'codex-0.169.0') {
    // Read receipts live in Codex's own database; threadstate has none and answers `initial:<id>`.
    ignored.push(/^readStates\b/, /^readState\b/);
    // Forks: the preview is the parent's first prompt with Codex's databases, the fork's own without.
    ignored.push(/^(data\[\d+\]|thread)\.preview$/);
  }
  if (method === 'thread/turns/list') ignored.push(/^(nextCursor|backwardsCursor)$/); // cursors are opaque
  // threadstate orders recency_at by the latest activity it indexes (the file mtime), so its
  // cursors carry that time rather than Codex's database value.
  if (method === 'thread/list' && params.sortKey === 'recency_at') ignored.push(/^(nextCursor|backwardsCursor)$/);
  // Without a full read (fallback listing) the latest turn start is unknown: recencyAt is the mtime.
  if (mode !== 'index' && method === 'thread/list') ignored.push(/^data\[\d+\]\.recencyAt$/);
  // Codex 0.169 reading a database-less 0.98 home answers the first plain read with the creation
  // time as updatedAt, and the file mtime everywhere else; threadstate always answers the mtime.
  if (era === 'codex-0.98.0' && method === 'thread/read' && !params.includeTurns) ignored.push(/^thread\.updatedAt$/);
  if (method === 'thread/list' && (params.searchTerm || params.useStateDbOnly)) {
    // Codex builds this backwards cursor from whole seconds on its database path.
    ignored.push(/^backwardsCursor$/);
  }
  return ignored;
}

/**
 * Leaves every other thread out of the index and marks the backfill as running under a lease held
 * by this (live) test process, so the server cannot finish it and must merge index and files.
 */
function pretendBackfillInProgress(home: string): void {
  const db = new DatabaseSync(join(home, 'threadstate_1.sqlite'));
  try {
    const ids = (db.prepare('SELECT id FROM threads ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    const drop = db.prepare('DELETE FROM threads WHERE id = ?');
    ids.forEach((id, i) => { if (i % 2 === 0) drop.run(id); });
    db.prepare("UPDATE backfill_state SET status = 'running', lease_owner = ?, lease_expires_at = ?").run(
      `pid:${process.pid}:test@${hostname()}`, Date.now() + 3_600_000,
    );
  } finally {
    db.close();
  }
}

function forkIds(exchanges: ReturnType<typeof recordedExchanges>): Set<string> {
  const ids = new Set<string>();
  for (const ex of exchanges) {
    const thread = ex.response.result?.thread;
    if (thread?.forkedFromId) ids.add(thread.id);
  }
  return ids;
}

for (const era of FIXTURE_ERAS) {
  for (const mode of ['index', 'fallback', 'backfilling'] as const) {
    const title = { index: 'answered from the index', fallback: 'index deleted (rollout fallback)', backfilling: 'half indexed while another process backfills' }[mode];
    describe(`real Codex answers, ${era}, ${title}`, function () {
      this.timeout(60000);
      let home: string;
      let server: AppServerProcess;
      const exchanges = recordedExchanges(era).filter((e) => e.request.method !== 'initialize');

      before(async () => {
        home = copyFixtureHome(era);
        if (mode !== 'fallback') {
          // Build the index first, then serve from it.
          execFileSync(NODE_BIN, [CLI, 'backfill', '--codex-home', home], { stdio: 'pipe' });
        }
        if (mode === 'backfilling') pretendBackfillInProgress(home);
        server = new AppServerProcess(home, mode === 'fallback' ? ['--no-index'] : []);
        await server.initialize();
      });

      after(async () => {
        server.kill();
        removeDir(join(home, '..'));
      });

      it(mode === 'fallback' ? 'creates no index' : 'serves with an index file', () => {
        const own = readdirSync(home).filter((n) => n.startsWith('threadstate_'));
        assert.equal(own.length > 0, mode !== 'fallback');
      });

      it('matches every recorded answer', async () => {
        const forks = forkIds(exchanges);
        const problems: string[] = [];
        for (const ex of exchanges) {
          // `useStateDbOnly` asks for the index alone, which is half empty by construction here.
          if (mode === 'backfilling' && ex.request.params?.useStateDbOnly) continue;
          const got = await server.request(ex.request.method, ex.request.params);
          const want = rehome(ex.response, home);
          const ignored = ignoredPaths(era, mode, ex.request.method, ex.request.params ?? {});
          const diffs = differences(want.error ?? want.result, got.error ?? got.result, want.error ? 'error' : '', (path) => {
            if (ignored.some((re) => re.test(path))) return true;
            // A fork's preview may be either thread's first prompt (fixtures README).
            return /\.preview$/.test(path) && forks.size > 0 && [...forks].some((id) => JSON.stringify(got).includes(id));
          });
          for (const d of diffs) problems.push(`${ex.label}: ${d}`);
        }
        assert.deepEqual(problems, []);
      });
    });
  }
}

