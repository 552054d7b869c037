// Interop with the REAL Codex 0.169 app-server on a home it has used (its own databases present):
// every mutation threadstate makes must be seen by a restarted Codex exactly as if Codex had made it,
// must touch only the rows of the threads it mutated, and what Codex mutates must be seen by a
// restarted threadstate. Skipped (with a message) when the real Codex is not installed:
// `bash scripts/interop/install-codex.sh` installs it.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildCodexDbReport } from '../../src/codex-db/doctor.ts';
import { AppServerProcess, type Json } from '../helpers/app-server.ts';
import { diffDumps, dumpHome, threadOfChange, type HomeDump } from '../helpers/codex-db-dump.ts';
import { copyFixtureHome, removeDir } from '../helpers/home.ts';
import { startMockResponses, type MockResponses } from '../helpers/mock-responses.ts';
import { RealCodexProcess, realCodexBin } from '../helpers/real-codex.ts';

// 0.169 fixture threads, each given one role.
const ARCHIVE = '01a2121e-e322-7aa0-ac65-d3d7e1327f4c'; // active; threadstate archives it
const UNARCHIVE = '01a2121f-1442-7ee2-934d-ae9b771a2d2e'; // archived; threadstate unarchives it
const RENAME = '01a2121e-e83b-7081-b133-76ea94c04633'; // active; threadstate renames it
const GIT = '01a2121e-ee19-7783-a123-30693c826764'; // active; threadstate sets its git metadata
const DELETE = '01a2121e-f37e-7311-83bb-ab1068bd7541'; // active; threadstate deletes it
const INJECT = '01a2121e-f8c5-73b1-8d51-5bb39afff9d5'; // active, named; threadstate resumes it and injects items
const CODEX_ARCHIVED = '01a2121f-0866-7240-b7f5-ad25e41f2c18'; // active; Codex archives it itself
// Mutated by Codex afterwards, for threadstate to see.
const CODEX_ARCHIVES = '01a2121e-fe02-7513-800d-39f442446825';
const CODEX_RENAMES = '01a2121f-0edc-7123-9a44-4d190a4f85fe';
const CODEX_DELETES = '01a2121f-28db-7a93-9be9-58c24e8c8d2b';

const ALL_SOURCES = ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther', 'unknown'];
const bin = realCodexBin();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const userItem = (text: string) => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }] });
const assistantItem = (text: string) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] });

async function listAll(server: AppServerProcess, archived: boolean): Promise<Json[]> {
  const result = await server.call('thread/list', { limit: 100, sourceKinds: ALL_SOURCES, archived });
  return result.data;
}

describe('real Codex 0.169 sees what threadstate changes, in a home with its databases', function () {
  this.timeout(180000);
  let scratch: string;
  let home: string;
  let codexBefore: Map<string, Json>;
  let dumpBefore: HomeDump;
  let dumpAfter: HomeDump;
  let newThread: string;
  let refusalOfOwnArchive: Json;
  let codexThread: string; // Codex ran two turns in it; threadstate injects into it
  let codexThreadTurns: Json[];
  let turnedArchive: string; // Codex ran a turn in it; threadstate archives it
  let turnedArchiveTurns: Json[];
  let turnedDelete: string; // Codex ran a turn in it; threadstate deletes it
  let forkedByThreadstate: string; // threadstate's fork of codexThread
  let model: MockResponses;

  const startCodex = async () => {
    const codex = new RealCodexProcess(bin!, home, join(scratch, 'user-home'), [`model_providers.realcodex_mock.base_url="${model.baseUrl}"`]);
    await codex.initializeCodex();
    return codex;
  };

  const runTurn = async (codex: RealCodexProcess, threadId: string, text: string) => {
    const started = await codex.call('turn/start', { threadId, input: [{ type: 'text', text, text_elements: [] }] });
    await codex.waitFor((m) => m.method === 'turn/completed' && m.params?.turn?.id === started.turn.id, 30000);
  };

  /** A thread Codex writes itself, with real turns (answered by the loopback model). */
  const threadWithTurns = async (codex: RealCodexProcess, prompts: string[]): Promise<string> => {
    const id = (await codex.call('thread/start', { cwd: home })).thread.id as string;
    for (const text of prompts) await runTurn(codex, id, text);
    return id;
  };

  before(async function () {
    if (!bin) {
      console.log('    (skipped: the real Codex CLI 0.169.0 is not installed; run `bash scripts/interop/install-codex.sh`)');
      this.skip();
    }
    home = copyFixtureHome('codex-0.169.0');
    scratch = join(home, '..');
    model = await startMockResponses();
    // Codex uses the home: backfills its databases, read-repairs, projects history, archives a thread.
    const codex = await startCodex();
    try {
      const active = await listAll(codex, false);
      const archived = await listAll(codex, true);
      codexBefore = new Map([...active, ...archived].map((t) => [t.id, t]));
      for (const t of active) await codex.call('thread/read', { threadId: t.id, includeTurns: true });
      // Threads Codex writes itself: paginated, with history projections and read receipts.
      codexThread = await threadWithTurns(codex, ['First prompt to Codex', 'Second prompt to Codex']);
      codexThreadTurns = (await codex.call('thread/read', { threadId: codexThread, includeTurns: true })).thread.turns;
      turnedArchive = await threadWithTurns(codex, ['A turn in a thread threadstate archives']);
      turnedArchiveTurns = (await codex.call('thread/read', { threadId: turnedArchive, includeTurns: true })).thread.turns;
      turnedDelete = await threadWithTurns(codex, ['A turn in a thread threadstate deletes']);
      await codex.call('thread/archive', { threadId: CODEX_ARCHIVED });
      refusalOfOwnArchive = await codex.request('thread/resume', { threadId: CODEX_ARCHIVED });
    } finally {
      await codex.close();
    }
    assert.ok(existsSync(join(home, 'state_5.sqlite')), 'Codex created its state database');
    assert.ok(existsSync(join(home, 'thread_history_1.sqlite')), 'Codex created its history database');

    dumpBefore = dumpHome(home);
    const server = new AppServerProcess(home);
    try {
      await server.initialize({ experimentalApi: true });
      await server.call('thread/archive', { threadId: ARCHIVE });
      await server.call('thread/unarchive', { threadId: UNARCHIVE });
      await server.call('thread/name/set', { threadId: RENAME, name: 'Renamed by threadstate' });
      await server.call('thread/metadata/update', { threadId: GIT, gitInfo: { sha: 'abc1234', branch: 'feature/x', originUrl: 'https://example.invalid/repo.git' } });
      await server.call('thread/delete', { threadId: DELETE });
      await server.call('thread/archive', { threadId: turnedArchive });
      await server.call('thread/delete', { threadId: turnedDelete });
      await server.call('thread/resume', { threadId: INJECT, excludeTurns: true });
      await server.call('thread/inject_items', { threadId: INJECT, items: [userItem('Injected into an old thread'), assistantItem('Injected answer')] });
      await server.call('thread/resume', { threadId: codexThread, excludeTurns: true });
      await server.call('thread/inject_items', { threadId: codexThread, items: [userItem('Injected by threadstate'), assistantItem('Answer')] });
      await server.call('thread/name/set', { threadId: codexThread, name: 'Named by threadstate before its fork' });
      forkedByThreadstate = (await server.call('thread/fork', { threadId: codexThread })).thread.id;
      const started = await server.call('thread/start', { cwd: home });
      newThread = started.thread.id;
      await server.call('thread/inject_items', { threadId: newThread, items: [userItem('Prompt written by threadstate'), assistantItem('Answer written by threadstate')] });
      await server.call('thread/inject_items', { threadId: newThread, items: [userItem('Second prompt'), assistantItem('Second answer')] });
      await server.call('thread/name/set', { threadId: newThread, name: 'Started by threadstate' });
    } finally {
      await server.close();
    }
    dumpAfter = dumpHome(home);
  });

  after(async () => {
    await model?.close();
    if (home) removeDir(scratch);
  });

  it('changes only the rows of the threads it mutated, and only the columns Codex changes', () => {
    const changes = diffDumps(dumpBefore, dumpAfter);
    const mutated = new Set([ARCHIVE, UNARCHIVE, RENAME, GIT, DELETE, INJECT, codexThread, turnedArchive, turnedDelete, forkedByThreadstate, newThread]);
    const foreign = changes.filter((c) => !mutated.has(threadOfChange(c) ?? ''));
    assert.deepEqual(foreign, [], 'no row of another thread (or without a thread) changed');
    const byThread = (id: string) => changes.filter((c) => threadOfChange(c) === id && c.table === 'threads');
    const archivedColumns = Object.keys(byThread(ARCHIVE)[0].columns ?? {});
    for (const c of ['archived', 'archived_at', 'rollout_path']) assert.ok(archivedColumns.includes(c), `archive sets ${c}`);
    assert.deepEqual(archivedColumns.filter((c) => !['archived', 'archived_at', 'rollout_path', 'updated_at', 'updated_at_ms'].includes(c)), []);
    const unarchivedColumns = Object.keys(byThread(UNARCHIVE)[0].columns ?? {});
    for (const c of ['archived', 'archived_at', 'rollout_path', 'updated_at']) assert.ok(unarchivedColumns.includes(c), `unarchive sets ${c}`);
    assert.deepEqual(Object.keys(byThread(RENAME)[0].columns ?? {}), ['name']);
    assert.deepEqual(Object.keys(byThread(GIT)[0].columns ?? {}).sort(), ['git_branch', 'git_origin_url', 'git_sha']);
    assert.equal(byThread(DELETE)[0].kind, 'removed');
    // A deleted thread with turns: its row, read receipt, turns, items and projection state all go.
    const gone = changes.filter((c) => threadOfChange(c) === turnedDelete);
    assert.ok(gone.every((c) => c.kind === 'removed'));
    assert.deepEqual([...new Set(gone.map((c) => c.table))].sort(), ['thread_history_projection_state', 'thread_items', 'thread_read_receipts', 'thread_turns', 'threads']);
    for (const table of ['thread_turns', 'thread_items']) {
      assert.equal([...dumpAfter['thread_history_1.sqlite'][table].values()].filter((r) => r.thread_id === turnedDelete).length, 0);
    }
    // Archiving leaves the history projection (it stores no path) as it was.
    assert.deepEqual(changes.filter((c) => threadOfChange(c) === turnedArchive).map((c) => c.table), ['threads']);
    assert.deepEqual(Object.keys(byThread(INJECT)[0].columns ?? {}).sort(), ['updated_at', 'updated_at_ms']);
    const projection = dumpAfter['thread_history_1.sqlite'].thread_history_projection_state.get(JSON.stringify([codexThread]))!;
    const before = dumpBefore['thread_history_1.sqlite'].thread_history_projection_state.get(JSON.stringify([codexThread]))!;
    const path = String(dumpAfter['state_5.sqlite'].threads.get(JSON.stringify([codexThread]))!.rollout_path);
    assert.equal(projection.next_rollout_byte_offset, statSync(path).size, 'the projection moved to the end of the rollout');
    const ordinals = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l).ordinal);
    assert.deepEqual(ordinals, ordinals.map((_: unknown, i: number) => i), 'appended lines continue the line ordinals');
    assert.equal(Number(projection.next_rollout_ordinal) - Number(before.next_rollout_ordinal), readFileSync(path, 'utf8').slice(Number(before.next_rollout_byte_offset)).split('\n').filter((l) => l !== '').length);
    assert.equal(byThread(newThread)[0].kind, 'added');
    assert.equal(dumpAfter['state_5.sqlite'].threads.get(JSON.stringify([newThread]))?.name, 'Started by threadstate');
  });

  it('doctor finds both databases kept in step and no thread disagreeing with its rollout', async () => {
    const report = await buildCodexDbReport(home, {});
    assert.deepEqual(report.databases.filter((d) => d.keptInStep).map((d) => d.path.slice(home.length + 1)), ['state_5.sqlite', 'thread_history_1.sqlite']);
    assert.deepEqual(report.disagreements, []);
    assert.equal(report.inStep, true);
  });

  it('a restarted Codex lists, reads and resumes every thread as threadstate left it', async () => {
    const codex = await startCodex();
    try {
      const active = new Map((await listAll(codex, false)).map((t) => [t.id, t]));
      const archived = new Map((await listAll(codex, true)).map((t) => [t.id, t]));

      assert.ok(archived.has(ARCHIVE) && !active.has(ARCHIVE), 'archived by threadstate: in the archived list only');
      assert.ok(active.has(UNARCHIVE) && !archived.has(UNARCHIVE), 'unarchived by threadstate: in the active list only');
      assert.ok(!active.has(DELETE) && !archived.has(DELETE), 'deleted: in no list');
      assert.equal(active.get(RENAME)?.name, 'Renamed by threadstate');
      for (const id of [ARCHIVE, UNARCHIVE, RENAME, GIT]) {
        const listed = active.get(id) ?? archived.get(id);
        assert.equal(listed.preview, codexBefore.get(id).preview, `${id}: preview unchanged`);
        if (id !== RENAME) assert.equal(listed.name, codexBefore.get(id).name, `${id}: name unchanged`);
      }
      assert.deepEqual(active.get(GIT)?.gitInfo, { sha: 'abc1234', branch: 'feature/x', originUrl: 'https://example.invalid/repo.git' });
      const fresh = active.get(newThread);
      assert.ok(fresh, 'the thread threadstate started is listed');
      assert.equal(fresh.preview, 'Prompt written by threadstate');
      assert.equal(fresh.name, 'Started by threadstate');

      // The TUI's `--last` lists from Codex's database alone: the rows must say the same.
      const dbOnly = async (archivedList: boolean) => new Set((await codex.call('thread/list', { limit: 100, sourceKinds: ALL_SOURCES, archived: archivedList, useStateDbOnly: true })).data.map((t: Json) => t.id));
      const dbActive = await dbOnly(false);
      const dbArchived = await dbOnly(true);
      assert.deepEqual([dbArchived.has(ARCHIVE), dbActive.has(ARCHIVE)], [true, false]);
      assert.deepEqual([dbActive.has(UNARCHIVE), dbArchived.has(UNARCHIVE)], [true, false]);
      assert.ok(dbActive.has(newThread) && !dbActive.has(DELETE));

      const readArchived = (await codex.call('thread/read', { threadId: ARCHIVE })).thread;
      assert.equal(readArchived.path, join(home, 'archived_sessions', readArchived.path.split('/').pop()));
      assert.ok(existsSync(readArchived.path));
      const readUnarchived = (await codex.call('thread/read', { threadId: UNARCHIVE })).thread;
      assert.ok(readUnarchived.path.startsWith(join(home, 'sessions') + '/') && existsSync(readUnarchived.path));

      const readNew = (await codex.call('thread/read', { threadId: newThread, includeTurns: true })).thread;
      assert.ok(existsSync(readNew.path));
      const texts = readNew.turns.flatMap((t: Json) => t.items).map((i: Json) => i.type === 'userMessage' ? i.content[0].text : i.text);
      assert.deepEqual(texts, ['Prompt written by threadstate', 'Answer written by threadstate', 'Second prompt', 'Second answer']);

      const injected = (await codex.call('thread/read', { threadId: INJECT, includeTurns: true })).thread;
      assert.equal(injected.name, codexBefore.get(INJECT).name);
      assert.equal(injected.preview, codexBefore.get(INJECT).preview);
      // Codex serves a paginated thread's turns from its projection, which (as after Codex's own
      // injection) has moved past the injected lines: the same turns as before, and no error.
      const projected = (await codex.call('thread/read', { threadId: codexThread, includeTurns: true })).thread;
      assert.equal(projected.turns.length, 2);
      assert.deepEqual(projected.turns, codexThreadTurns);
      assert.equal(projected.preview, 'First prompt to Codex');
      // threadstate's fork of it: listed under the parent's name, its turns read through the parent's projection.
      const fork = active.get(forkedByThreadstate);
      assert.ok(fork, 'the fork threadstate wrote is listed');
      assert.equal(fork.name, 'Named by threadstate before its fork');
      const readFork = (await codex.call('thread/read', { threadId: forkedByThreadstate, includeTurns: true })).thread;
      assert.deepEqual(readFork.turns.map((t: Json) => t.id), codexThreadTurns.map((t: Json) => t.id));
      const resumedFork = await codex.call('thread/resume', { threadId: forkedByThreadstate, excludeTurns: true });
      assert.equal(resumedFork.thread.id, forkedByThreadstate);
      // A thread with turns that threadstate archived: archived list, read at its new path with its turns.
      assert.ok(archived.has(turnedArchive) && !active.has(turnedArchive));
      const readTurned = (await codex.call('thread/read', { threadId: turnedArchive, includeTurns: true })).thread;
      assert.ok(readTurned.path.startsWith(join(home, 'archived_sessions') + '/') && existsSync(readTurned.path));
      assert.deepEqual(readTurned.turns, turnedArchiveTurns);
      assert.ok(!active.has(turnedDelete) && !archived.has(turnedDelete));
      assert.ok((await codex.request('thread/read', { threadId: turnedDelete })).error, 'a deleted thread with turns cannot be read');
      const resumedProjected = await codex.call('thread/resume', { threadId: codexThread });
      assert.deepEqual(resumedProjected.thread.turns, codexThreadTurns);
      // Codex goes on with the thread: its next turn is projected after threadstate's lines.
      await runTurn(codex, codexThread, 'Third prompt to Codex');
      const continued = (await codex.call('thread/read', { threadId: codexThread, includeTurns: true })).thread;
      assert.deepEqual(continued.turns.map((t: Json) => t.items.find((i: Json) => i.type === 'userMessage')?.content[0].text), ['First prompt to Codex', 'Second prompt to Codex', 'Third prompt to Codex']);
      const resumedOld = await codex.call('thread/resume', { threadId: INJECT, excludeTurns: true });
      assert.equal(resumedOld.thread.id, INJECT);

      const deleted = await codex.request('thread/read', { threadId: DELETE });
      assert.ok(deleted.error, 'a deleted thread cannot be read');

      const refused = await codex.request('thread/resume', { threadId: ARCHIVE });
      assert.ok(refused.error, 'resuming a thread threadstate archived is refused');
      assert.equal(refused.error.code, refusalOfOwnArchive.error.code);
      assert.equal(refused.error.message, refusalOfOwnArchive.error.message.split(CODEX_ARCHIVED).join(ARCHIVE));
      const resumed = await codex.call('thread/resume', { threadId: UNARCHIVE, excludeTurns: true });
      assert.equal(resumed.thread.id, UNARCHIVE);
      const resumedNew = await codex.call('thread/resume', { threadId: newThread });
      assert.equal(resumedNew.thread.turns.length, 2);

      // Codex's own later mutations of threads threadstate moved still work (the reported failure).
      await codex.call('thread/unarchive', { threadId: ARCHIVE });
      await codex.call('thread/unarchive', { threadId: turnedArchive });
      const resumedTurned = await codex.call('thread/resume', { threadId: turnedArchive });
      assert.deepEqual(resumedTurned.thread.turns.map((t: Json) => t.id), turnedArchiveTurns.map((t: Json) => t.id));
      // And Codex mutates, for threadstate to see.
      await codex.call('thread/archive', { threadId: CODEX_ARCHIVES });
      await codex.call('thread/name/set', { threadId: CODEX_RENAMES, name: 'Renamed by Codex' });
      await codex.call('thread/delete', { threadId: CODEX_DELETES });
      const started = await codex.call('thread/start', { cwd: home });
      await codex.call('thread/inject_items', { threadId: started.thread.id, items: [userItem('Prompt written by Codex')] });
      await sleep(500);
      const after = await listAll(codex, false);
      assert.ok(after.some((t) => t.id === ARCHIVE), 'Codex unarchived the thread threadstate had archived');
      newCodexThread = started.thread.id;
    } finally {
      await codex.close();
    }
  });

  let newCodexThread: string;

  it('a restarted threadstate sees what Codex changed', async () => {
    const server = new AppServerProcess(home);
    try {
      await server.initialize({ experimentalApi: true });
      const active = new Map((await listAll(server, false)).map((t) => [t.id, t]));
      const archived = new Map((await listAll(server, true)).map((t) => [t.id, t]));
      assert.ok(archived.has(CODEX_ARCHIVES) && !active.has(CODEX_ARCHIVES));
      assert.ok(active.has(ARCHIVE) && !archived.has(ARCHIVE));
      assert.equal(active.get(CODEX_RENAMES)?.name, 'Renamed by Codex');
      assert.ok(!active.has(CODEX_DELETES) && !archived.has(CODEX_DELETES));
      assert.ok(!active.has(newCodexThread), 'like Codex, threadstate does not list a thread holding only injected response items');
      const read = await server.call('thread/read', { threadId: newCodexThread });
      assert.equal(read.thread.id, newCodexThread);
    } finally {
      await server.close();
    }
  });

  it('a running threadstate and a running Codex see each other\'s changes (threadstate by id through read-repair; its lists wait for the live index)', async () => {
    const server = new AppServerProcess(home);
    const codex = await startCodex();
    try {
      await server.initialize({ experimentalApi: true });
      await server.call('thread/list', { limit: 100, sourceKinds: ALL_SOURCES });
      await codex.call('thread/archive', { threadId: RENAME });
      await codex.call('thread/unarchive', { threadId: CODEX_ARCHIVES });
      const archived = (await server.call('thread/read', { threadId: RENAME })).thread;
      assert.ok(archived.path.startsWith(join(home, 'archived_sessions') + '/'), archived.path);
      const back = (await server.call('thread/read', { threadId: CODEX_ARCHIVES })).thread;
      assert.ok(back.path.startsWith(join(home, 'sessions') + '/'), back.path);
      // And the other way: the running Codex sees what threadstate just changed.
      await server.call('thread/name/set', { threadId: CODEX_ARCHIVES, name: 'Named while Codex runs' });
      await server.call('thread/archive', { threadId: UNARCHIVE });
      const active = new Map((await listAll(codex, false)).map((t) => [t.id, t]));
      const archivedNow = new Set((await listAll(codex, true)).map((t) => t.id));
      assert.equal(active.get(CODEX_ARCHIVES)?.name, 'Named while Codex runs');
      assert.ok(archivedNow.has(UNARCHIVE) && !active.has(UNARCHIVE));
      const dbOnly = await codex.call('thread/list', { limit: 100, sourceKinds: ALL_SOURCES, archived: true, useStateDbOnly: true });
      assert.ok(dbOnly.data.some((t: Json) => t.id === UNARCHIVE));
    } finally {
      await codex.close();
      await server.close();
    }
  });
});
