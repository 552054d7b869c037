// `doctor` on Codex's databases: every database found, whether threadstate keeps it in step, and
// the threads whose Codex rows disagree with the rollouts.

import assert from 'node:assert/strict';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildCodexDbReport } from '../../../src/codex-db/doctor.ts';
import { listRolloutFiles } from '../../../src/rollout/paths.ts';
import { createCodexDb, insertCodexThread, withDb } from '../../helpers/codex-db-fixture.ts';
import { copyFixtureHome, removeDir } from '../../helpers/home.ts';

describe('codex-db: doctor', () => {
  let home: string;
  afterEach(() => removeDir(join(home, '..')));

  it('says so when Codex keeps no databases in the home', async () => {
    home = copyFixtureHome('codex-0.169.0');
    const report = await buildCodexDbReport(home, {});
    assert.deepEqual(report.databases, []);
    assert.equal(report.threads, null);
    assert.equal(report.inStep, true);
  });

  it('lists each database and each thread whose row disagrees with its rollout', async () => {
    home = copyFixtureHome('codex-0.169.0');
    const state = createCodexDb(home, 'state_5');
    createCodexDb(home, 'thread_history_1');
    writeFileSync(join(home, 'logs_2.sqlite'), '');
    const files = await listRolloutFiles(home);
    const active = files.filter((f) => !f.archived);
    const archived = files.find((f) => f.archived)!;
    // In step: rows matching their files.
    for (const f of active.slice(0, 3)) insertCodexThread(state, f.id, f.path);
    // Disagreements: a row still active for an archived rollout, a stale path, a name that differs,
    // a row whose thread has no rollout.
    insertCodexThread(state, archived.id, archived.path.replace('archived_sessions', 'sessions/2026/11/25'));
    insertCodexThread(state, active[3].id, join(home, 'sessions/elsewhere.jsonl'));
    insertCodexThread(state, active[4].id, active[4].path, { name: 'Only in the DB' });
    insertCodexThread(state, '01a2121e-0000-7000-8000-000000000000', join(home, 'sessions/gone.jsonl'));
    appendFileSync(join(home, 'session_index.jsonl'), `${JSON.stringify({ id: active[0].id, thread_name: 'Named in the index', updated_at: '2026-11-25T10:00:00Z' })}\n`);

    const report = await buildCodexDbReport(home, {});
    assert.deepEqual(report.databases.map((d) => [d.path.slice(home.length + 1), d.keptInStep]), [
      ['logs_2.sqlite', false], ['state_5.sqlite', true], ['thread_history_1.sqlite', true],
    ]);
    assert.match(report.databases[0].detail, /unreadable|not written/);
    const problems = new Map(report.disagreements.map((d) => [d.threadId, d.problem]));
    assert.match(problems.get(archived.id)!, /row says active, the rollout is archived/);
    assert.match(problems.get(active[3].id)!, /row points at .*elsewhere\.jsonl/);
    assert.match(problems.get(active[4].id)!, /row names it "Only in the DB"/);
    assert.match(problems.get('01a2121e-0000-7000-8000-000000000000')!, /no rollout/);
    assert.equal(problems.has(active[0].id), false, 'a row without a name is not a disagreement (Codex never imported it)');
    assert.equal(report.disagreements.length, 4);
    assert.equal(report.rolloutsWithoutRow.length, files.length - 6);
    assert.equal(report.inStep, false);
  });

  it('reports a state database of another schema as not kept in step', async () => {
    home = copyFixtureHome('codex-0.169.0');
    const state = createCodexDb(home, 'state_5');
    withDb(state, (db) => db.prepare("INSERT INTO _sqlx_migrations VALUES (63, 'future', '2027-01-01', 1, X'00', 1)").run());
    const report = await buildCodexDbReport(home, {});
    assert.equal(report.databases[0].keptInStep, false);
    assert.match(report.databases[0].detail, /NOT kept in step: migrations applied up to 63/);
    assert.equal(report.inStep, false);
  });
});
