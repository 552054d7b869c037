// Dynamic tools over stdio: declared in thread/start, written to the rollout's session_meta and the
// index when the thread materialises, listed back (memory, index, rollout fallback), reloaded on
// resume, validated with Codex's messages, and gone with their thread.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { AppServerProcess, Json } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';

const SCHEMA = { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] };
const TAGGED = [
  { type: 'function', name: 'lookup_ticket', description: 'Look up a ticket.', inputSchema: SCHEMA },
  {
    type: 'namespace', name: 'tickets', description: 'ticket tools', tools: [
      { type: 'function', name: 'close_ticket', description: 'Close it.', inputSchema: { type: 'object' } },
      { type: 'function', name: 'reopen_ticket', description: 'Reopen it.', inputSchema: { type: 'object' }, deferLoading: true },
    ],
  },
];
const UNKNOWN = '01a2121e-0000-7000-8000-000000000000';
const USER_MESSAGE = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'find RC-42' }] };

function withDb<T>(home: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(join(home, 'threadstate_1.sqlite'));
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    return fn(db);
  } finally {
    db.close();
  }
}

function toolRows(home: string, threadId: string): Json[] {
  return withDb(home, (db) => db.prepare(
    'SELECT position, name, description, input_schema, namespace, namespace_description, defer_loading FROM thread_dynamic_tools WHERE thread_id = ? ORDER BY position',
  ).all(threadId).map((r) => ({ ...r })));
}

function sessionMeta(path: string): Json {
  const first = readFileSync(path, 'utf8').split('\n')[0];
  return JSON.parse(first);
}

describe('dynamic tools over stdio', function () {
  this.timeout(30000);
  const t = servedHome({ from: 'empty', each: true });
  let server: AppServerProcess;

  beforeEach(async () => {
    server = await t.ready([], { capabilities: { experimentalApi: true } });
  });

  async function startWithTools(dynamicTools: Json[]): Promise<string> {
    const started = await server.call('thread/start', { cwd: join(t.root, 'proj'), dynamicTools });
    return started.thread.id;
  }

  async function materialise(threadId: string): Promise<string> {
    assert.deepEqual(await server.call('thread/inject_items', { threadId, items: [USER_MESSAGE] }), {});
    const read = await server.call('thread/read', { threadId });
    return read.thread.path;
  }

  it('lands in both stores: session_meta.dynamic_tools on disk and one row per function in SQLite', async () => {
    const threadId = await startWithTools(TAGGED);
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, TAGGED, 'answered from memory before the thread is on disk');
    const path = await materialise(threadId);
    const meta = sessionMeta(path);
    assert.equal(meta.type, 'session_meta');
    assert.deepEqual(meta.payload.dynamic_tools, TAGGED);
    assert.deepEqual(toolRows(t.home, threadId), [
      { position: 0, name: 'lookup_ticket', description: 'Look up a ticket.', input_schema: JSON.stringify(SCHEMA), namespace: null, namespace_description: null, defer_loading: 0 },
      { position: 1, name: 'close_ticket', description: 'Close it.', input_schema: '{"type":"object"}', namespace: 'tickets', namespace_description: 'ticket tools', defer_loading: 0 },
      { position: 2, name: 'reopen_ticket', description: 'Reopen it.', input_schema: '{"type":"object"}', namespace: 'tickets', namespace_description: 'ticket tools', defer_loading: 1 },
    ]);
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, TAGGED);
    // More items re-index the thread: the same positions are not written again.
    const before = toolRows(t.home, threadId);
    await server.call('thread/inject_items', { threadId, items: [USER_MESSAGE] });
    assert.deepEqual(toolRows(t.home, threadId), before);
  });

  it('normalises the legacy flat form to the canonical tagged form', async () => {
    const threadId = await startWithTools([
      { name: 'lookup_ticket', description: 'Look up a ticket.', inputSchema: SCHEMA },
      { name: 'close_ticket', description: 'Close it.', inputSchema: { type: 'object' }, namespace: 'tickets' },
      { name: 'reopen_ticket', description: 'Reopen it.', inputSchema: { type: 'object' }, namespace: 'tickets', exposeToContext: false },
    ]);
    const expected = [TAGGED[0], { ...TAGGED[1], description: '' }];
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, expected);
    const path = await materialise(threadId);
    assert.deepEqual(sessionMeta(path).payload.dynamic_tools, expected);
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, expected);
  });

  it('a thread without tools lists none; with an emptied table the rollout answers and repairs the index', async () => {
    const plain = await server.call('thread/start', { cwd: join(t.root, 'proj') });
    await materialise(plain.thread.id);
    assert.deepEqual(await server.call('thread/dynamicTools/list', { threadId: plain.thread.id }), { data: [] });

    const threadId = await startWithTools(TAGGED);
    await materialise(threadId);
    withDb(t.home, (db) => db.exec('DELETE FROM thread_dynamic_tools'));
    assert.deepEqual(toolRows(t.home, threadId), []);
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, TAGGED);
    assert.equal(toolRows(t.home, threadId).length, 3, 'the rows were written again');
    assert.deepEqual(toolRows(t.home, threadId).map((r) => r.namespace_description), [null, 'ticket tools', 'ticket tools']);
  });

  it('resume in a new server reloads the tools, also when the index lost them', async () => {
    const threadId = await startWithTools(TAGGED);
    await materialise(threadId);
    await server.close();
    withDb(t.home, (db) => db.exec('DELETE FROM thread_dynamic_tools'));
    server = await t.ready([], { capabilities: { experimentalApi: true } });
    const resumed = await server.call('thread/resume', { threadId });
    assert.equal(resumed.thread.id, threadId);
    assert.equal('dynamicTools' in resumed.thread, false, 'the wire Thread has no tools field');
    assert.equal(toolRows(t.home, threadId).length, 3, 'resume repaired the index');
    assert.deepEqual((await server.call('thread/dynamicTools/list', { threadId })).data, TAGGED);
    const loaded = await server.call('thread/loaded/list', {});
    assert.ok(loaded.data.includes(threadId));
  });

  it('deleting the thread deletes its tool rows (cascade)', async () => {
    const threadId = await startWithTools(TAGGED);
    await materialise(threadId);
    assert.equal(toolRows(t.home, threadId).length, 3);
    assert.deepEqual(await server.call('thread/delete', { threadId }), {});
    assert.deepEqual(toolRows(t.home, threadId), []);
    const gone = await server.request('thread/dynamicTools/list', { threadId });
    assert.deepEqual(gone.error, { code: -32600, message: `thread not loaded: ${threadId}` });
  });

  it('refuses bad specs with Codex messages, unknown and malformed thread ids', async () => {
    const fn = (name: string, extra: Json = {}) => ({ name, description: 'd', inputSchema: { type: 'object' }, ...extra });
    const cases: Array<[Json[], string]> = [
      [[fn('mcp__bad')], 'dynamic tool name is reserved: mcp__bad'],
      [[fn('bad name')], 'dynamic tool name must match ^[a-zA-Z0-9_-]+$ to match Responses API: bad name'],
      [[fn('dup'), fn('dup')], 'duplicate dynamic tool name: dup'],
      [[fn('a'), { type: 'function', ...fn('b') }], 'Invalid request: dynamic tools must use either canonical or legacy format consistently'],
      [[{ type: 'namespace', name: 'web', description: 'd', tools: [{ type: 'function', ...fn('x') }] }], 'dynamic tool namespace is reserved: web'],
      [[{ type: 'namespace', name: 'empty', description: 'd', tools: [] }], 'dynamic tool namespace must contain at least one tool: empty'],
      [[{ type: 'function', ...fn('lonely', { deferLoading: true }) }], 'deferred dynamic tool must be in a namespace: lonely'],
      [[fn('x', { inputSchema: 'nope' })], 'dynamic tool input schema must be a JSON object: x'],
    ];
    for (const [dynamicTools, message] of cases) {
      const answer = await server.request('thread/start', { dynamicTools });
      assert.deepEqual(answer.error, { code: -32600, message }, JSON.stringify(dynamicTools));
    }
    const unknown = await server.request('thread/dynamicTools/list', { threadId: UNKNOWN });
    assert.deepEqual(unknown.error, { code: -32600, message: `thread not loaded: ${UNKNOWN}` });
    const malformed = await server.request('thread/dynamicTools/list', { threadId: 'not-a-uuid' });
    assert.equal(malformed.error.code, -32600);
    assert.match(malformed.error.message, /^invalid thread id: /);
    const missing = await server.request('thread/dynamicTools/list', {});
    assert.equal(missing.error.code, -32600);
  });

  it('requires experimentalApi to declare tools', async () => {
    const other = await t.ready();
    const answer = await other.request('thread/start', { dynamicTools: [] });
    assert.deepEqual(answer.error, { code: -32600, message: 'thread/start.dynamicTools requires experimentalApi capability' });
  });
});
