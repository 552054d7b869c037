// Every mutation checked in both stores afterwards (the rollout on disk and the index row) and
// by its notifications.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';
import { waitUntil } from '../helpers/wait.ts';

const THREAD = '01a2121e-e83b-7081-b133-76ea94c04633'; // 0.169 fixture, active, vscode source
const ARCHIVED = '01a2121f-1442-7ee2-934d-ae9b771a2d2e'; // 0.169 fixture, archived
const UNKNOWN = '01a2121e-0000-7000-8000-000000000000';

function indexRow(home: string, id: string): Record<string, unknown> | undefined {
  const db = new DatabaseSync(join(home, 'threadstate_1.sqlite'), { readOnly: true });
  try {
    return db.prepare('SELECT * FROM threads WHERE id = ?').get(id) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

function rolloutLines(path: string): Json[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));
}

describe('thread mutations write the rollout and the index', function () {
  this.timeout(30000);
  const t = servedHome({ each: true });
  let server: AppServerProcess;

  beforeEach(async () => {
    server = await t.ready([], { capabilities: { experimentalApi: true } });
    // Wait until the start-up backfill has indexed the fixture.
    await waitUntil(() => indexRow(t.home, THREAD) !== undefined, 'the start-up indexing', 15000, 50);
  });

  it('archive moves the file, flags the row and broadcasts thread/archived', async () => {
    const before = indexRow(t.home, THREAD)!;
    assert.equal(before.archived, 0);
    assert.deepEqual(await server.call('thread/archive', { threadId: THREAD }), {});
    const moved = join(t.home, 'archived_sessions', String(before.rollout_path).split('/').pop()!);
    assert.ok(existsSync(moved));
    assert.ok(!existsSync(String(before.rollout_path)));
    const after = indexRow(t.home, THREAD)!;
    assert.equal(after.archived, 1);
    assert.equal(after.rollout_path, moved);
    assert.equal(typeof after.archived_at, 'number');
    const note = await server.waitFor((m) => m.method === 'thread/archived');
    assert.deepEqual(note.params, { threadId: THREAD });
    assert.equal(typeof note.emittedAtMs, 'number');
    const again = await server.request('thread/archive', { threadId: THREAD });
    assert.deepEqual(again.error, { code: -32600, message: `no rollout found for thread id ${THREAD}` });
    const archivedList = await server.call('thread/list', { archived: true, sourceKinds: [] });
    assert.ok(archivedList.data.some((t: Json) => t.id === THREAD));
  });

  it('unarchive moves the file back to its dated folder, touches it and answers the thread', async () => {
    const result = await server.call('thread/unarchive', { threadId: ARCHIVED });
    assert.equal(result.thread.id, ARCHIVED);
    assert.match(result.thread.path, /\/sessions\/2026\/11\/25\/rollout-/);
    assert.ok(existsSync(result.thread.path));
    assert.ok(Math.abs(result.thread.updatedAt - Date.now() / 1000) < 60, 'mtime touched');
    const row = indexRow(t.home, ARCHIVED)!;
    assert.equal(row.archived, 0);
    assert.equal(row.archived_at, null);
    assert.equal(row.rollout_path, result.thread.path);
    await server.waitFor((m) => m.method === 'thread/unarchived' && m.params.threadId === ARCHIVED);
    const again = await server.request('thread/unarchive', { threadId: ARCHIVED });
    assert.deepEqual(again.error, { code: -32600, message: `no archived rollout found for thread id ${ARCHIVED}` });
  });

  it('delete removes the file and the row and broadcasts thread/deleted', async () => {
    const path = String(indexRow(t.home, THREAD)!.rollout_path);
    assert.deepEqual(await server.call('thread/delete', { threadId: THREAD }), {});
    assert.ok(!existsSync(path));
    assert.equal(indexRow(t.home, THREAD), undefined);
    await server.waitFor((m) => m.method === 'thread/deleted' && m.params.threadId === THREAD);
    const again = await server.request('thread/delete', { threadId: THREAD });
    assert.deepEqual(again.error, { code: -32600, message: `no rollout found for thread id ${THREAD}` });
    const read = await server.request('thread/read', { threadId: THREAD });
    assert.deepEqual(read.error, { code: -32600, message: `thread not loaded: ${THREAD}` });
  });

  it('name/set trims, appends to session_index.jsonl, updates the row and notifies', async () => {
    assert.deepEqual(await server.call('thread/name/set', { threadId: THREAD, name: '  Refactor plan  ' }), {});
    const entries = readFileSync(join(t.home, 'session_index.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const last = entries[entries.length - 1];
    assert.equal(last.id, THREAD);
    assert.equal(last.thread_name, 'Refactor plan');
    assert.equal(indexRow(t.home, THREAD)!.name, 'Refactor plan');
    const note = await server.waitFor((m) => m.method === 'thread/name/updated');
    assert.deepEqual(note.params, { threadId: THREAD, threadName: 'Refactor plan' });
    const read = await server.call('thread/read', { threadId: THREAD });
    assert.equal(read.thread.name, 'Refactor plan');
    const blank = await server.request('thread/name/set', { threadId: THREAD, name: '   ' });
    assert.deepEqual(blank.error, { code: -32600, message: 'thread name must not be empty' });
    const unknown = await server.request('thread/name/set', { threadId: UNKNOWN, name: 'x' });
    assert.deepEqual(unknown.error, { code: -32600, message: `no rollout found for thread id ${UNKNOWN}` });
  });

  it('metadata/update patches git info and validates the patch', async () => {
    const result = await server.call('thread/metadata/update', { threadId: THREAD, gitInfo: { branch: ' feature/x ', sha: null } });
    assert.equal(result.thread.gitInfo.branch, 'feature/x');
    assert.equal(result.thread.gitInfo.sha, null);
    const row = indexRow(t.home, THREAD)!;
    assert.equal(row.git_branch, 'feature/x');
    assert.equal(row.git_sha, null);
    assert.deepEqual((await server.request('thread/metadata/update', { threadId: THREAD })).error,
      { code: -32600, message: 'thread metadata update must include at least one field' });
    assert.deepEqual((await server.request('thread/metadata/update', { threadId: THREAD, gitInfo: {} })).error,
      { code: -32600, message: 'gitInfo must include at least one field' });
    assert.deepEqual((await server.request('thread/metadata/update', { threadId: THREAD, gitInfo: { branch: '' } })).error,
      { code: -32600, message: 'gitInfo.branch must not be empty' });
  });

  it('start answers first, then broadcasts thread/started; nothing is written until items arrive', async () => {
    const before = readdirSync(join(t.home, 'sessions', '2026', '11', '25')).length;
    const result = await server.call('thread/start', { cwd: '/tmp/project', model: 'gpt-test' });
    const id = result.thread.id;
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(result.thread.status, { type: 'idle' });
    assert.equal(result.thread.preview, '');
    assert.equal(result.model, 'gpt-test');
    assert.equal(result.cwd, '/tmp/project');
    const responseIndex = server.messages.findIndex((m) => m.result?.thread?.id === id);
    const noteIndex = server.messages.findIndex((m) => m.method === 'thread/started' && m.params.thread.id === id);
    await server.waitFor((m) => m.method === 'thread/started' && m.params.thread.id === id);
    assert.ok(noteIndex === -1 || noteIndex > responseIndex);
    assert.equal(readdirSync(join(t.home, 'sessions', '2026', '11', '25')).length, before);
    assert.equal(indexRow(t.home, id), undefined);
    const loaded = await server.call('thread/loaded/list', {});
    assert.ok(loaded.data.includes(id));
    const turns = await server.request('thread/read', { threadId: id, includeTurns: true });
    assert.deepEqual(turns.error, { code: -32601, message: 'list_turns is not supported yet' });
  });

  it('inject_items materialises the rollout, and both stores show the new message', async () => {
    const { thread } = await server.call('thread/start', { cwd: '/tmp/project' });
    await server.call('thread/inject_items', {
      threadId: thread.id,
      items: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Please index me' }] },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Indexed.' }], phase: 'final_answer' },
      ],
    });
    const lines = rolloutLines(thread.path);
    assert.equal(lines[0].type, 'session_meta');
    assert.equal(lines[0].payload.id, thread.id);
    assert.equal(lines[0].payload.cwd, '/tmp/project');
    assert.equal(lines[0].payload.originator, 'threadstate_test');
    assert.ok(lines.some((l) => l.type === 'response_item' && l.payload.role === 'user'));
    const row = indexRow(t.home, thread.id)!;
    assert.equal(row.preview, 'Please index me');
    assert.equal(row.rollout_path, thread.path);
    const read = await server.call('thread/read', { threadId: thread.id, includeTurns: true });
    assert.equal(read.thread.preview, 'Please index me');
    const items = read.thread.turns.flatMap((t: Json) => t.items);
    assert.deepEqual(items.map((i: Json) => i.type), ['userMessage', 'agentMessage']);
    assert.equal(items[1].phase, 'final_answer');
    const list = await server.call('thread/list', { cwd: '/tmp/project' });
    assert.deepEqual(list.data.map((t: Json) => t.id), [thread.id]);
    const notLoaded = await server.request('thread/inject_items', { threadId: UNKNOWN, items: [] });
    assert.deepEqual(notLoaded.error, { code: -32600, message: `thread not found: ${UNKNOWN}` });
  });

  it('ephemeral threads are never written', async () => {
    const { thread } = await server.call('thread/start', { ephemeral: true, cwd: '/tmp/eph' });
    assert.equal(thread.path, null);
    assert.equal(thread.ephemeral, true);
    await server.call('thread/inject_items', { threadId: thread.id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'x' }] }] });
    assert.equal(indexRow(t.home, thread.id), undefined);
    const list = await server.call('thread/list', { cwd: '/tmp/eph' });
    assert.deepEqual(list.data, []);
  });

  it('resume loads a stored thread with its turns, subscribes and reports idle', async () => {
    const result = await server.call('thread/resume', { threadId: THREAD });
    assert.equal(result.thread.id, THREAD);
    assert.ok(result.thread.turns.length > 0);
    assert.deepEqual(result.thread.status, { type: 'idle' });
    await server.waitFor((m) => m.method === 'thread/status/changed' && m.params.threadId === THREAD);
    const excluded = await server.call('thread/resume', { threadId: THREAD, excludeTurns: true });
    assert.deepEqual(excluded.thread.turns, []);
    assert.deepEqual(await server.call('thread/unsubscribe', { threadId: THREAD }), { status: 'unsubscribed' });
    assert.deepEqual(await server.call('thread/unsubscribe', { threadId: THREAD }), { status: 'notSubscribed' });
    assert.deepEqual(await server.call('thread/unsubscribe', { threadId: UNKNOWN }), { status: 'notLoaded' });
  });

  it('dynamicTools need the experimental capability', async () => {
    const plain = await t.ready();
    const refused = await plain.request('thread/start', { dynamicTools: [] });
    assert.deepEqual(refused.error, { code: -32600, message: 'thread/start.dynamicTools requires experimentalApi capability' });
  });

  it('refuses malformed ids and reports unknown ones', async () => {
    const bad = await server.request('thread/read', { threadId: 'not-a-uuid' });
    assert.equal(bad.error.code, -32600);
    assert.match(bad.error.message, /^invalid thread id: invalid character: expected an optional prefix of `urn:uuid:` followed by \[0-9a-fA-F-\], found `n` at 1$/);
    const unknown = await server.request('thread/read', { threadId: UNKNOWN });
    assert.deepEqual(unknown.error, { code: -32600, message: `thread not loaded: ${UNKNOWN}` });
  });

  it('getConversationSummary by id and by path; paths outside the home are refused', async () => {
    const byId = await server.call('getConversationSummary', { conversationId: THREAD });
    assert.equal(byId.summary.conversationId, THREAD);
    const rel = String(indexRow(t.home, THREAD)!.rollout_path).slice(t.home.length + 1);
    const byPath = await server.call('getConversationSummary', { rolloutPath: rel });
    assert.deepEqual(byPath.summary, byId.summary);
    assert.equal(byId.summary.source, 'vscode');
    const outside = await server.request('getConversationSummary', { rolloutPath: '../../etc/passwd' });
    assert.equal(outside.error.code, -32600);
    assert.match(outside.error.message, /outside the Codex home/);
    const unknown = await server.request('getConversationSummary', { conversationId: UNKNOWN });
    assert.deepEqual(unknown.error, { code: -32600, message: `no rollout found for conversation id ${UNKNOWN}` });
  });
});
