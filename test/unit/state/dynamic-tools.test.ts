import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DynamicToolSpec } from '../../../src/model/thread-metadata.ts';
import { flattenDynamicTools, groupDynamicTools, insertDynamicTools, readDynamicTools } from '../../../src/state/dynamic-tools.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { validateDynamicTools } from '../../../src/threads/dynamic-tools.ts';
import { metadataOf, tempHome, writeRollout } from './helpers.ts';

const SCHEMA = { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] };

const TAGGED: DynamicToolSpec[] = [
  { type: 'function', name: 'lookup', description: 'Look it up', inputSchema: SCHEMA },
  {
    type: 'namespace', name: 'crm', description: 'Customer tools', tools: [
      { type: 'function', name: 'find', description: 'Find a customer', inputSchema: { type: 'object' }, deferLoading: true },
      { type: 'function', name: 'note', description: 'Add a note', inputSchema: { type: 'object' } },
    ],
  },
  { type: 'function', name: 'last', description: 'After the namespace', inputSchema: { type: 'object' } },
];

function toolRowCount(store: StateStore, threadId?: string): number {
  const sql = threadId ? 'SELECT COUNT(*) AS n FROM thread_dynamic_tools WHERE thread_id = ?' : 'SELECT COUNT(*) AS n FROM thread_dynamic_tools';
  return (threadId ? store.db.get<{ n: number }>(sql, threadId) : store.db.get<{ n: number }>(sql))!.n;
}

describe('state: dynamic tool rows', () => {
  let home: string;
  let store: StateStore;
  let threadId: string;

  beforeEach(async () => {
    home = tempHome();
    const { path, id } = writeRollout(home);
    threadId = id;
    store = openStateStore(home);
    store.upsertThread(await metadataOf(home, path));
  });

  afterEach(() => {
    store.close();
    rmSync(join(home, '..'), { recursive: true, force: true });
  });

  it('flattens tagged tools to rows in declared order, namespace and its description on each member', () => {
    assert.deepEqual(flattenDynamicTools(TAGGED), [
      { position: 0, name: 'lookup', description: 'Look it up', inputSchema: SCHEMA, namespace: null, namespaceDescription: null, deferLoading: false },
      { position: 1, name: 'find', description: 'Find a customer', inputSchema: { type: 'object' }, namespace: 'crm', namespaceDescription: 'Customer tools', deferLoading: true },
      { position: 2, name: 'note', description: 'Add a note', inputSchema: { type: 'object' }, namespace: 'crm', namespaceDescription: 'Customer tools', deferLoading: false },
      { position: 3, name: 'last', description: 'After the namespace', inputSchema: { type: 'object' }, namespace: null, namespaceDescription: null, deferLoading: false },
    ]);
  });

  it('round-trips tagged namespaces (with their descriptions) through SQLite', () => {
    assert.equal(store.insertDynamicTools(threadId, TAGGED), 4);
    const raw = store.db.all<Record<string, unknown>>('SELECT position, name, namespace, namespace_description, input_schema, defer_loading FROM thread_dynamic_tools ORDER BY position');
    assert.deepEqual(raw.map((r) => [r.position, r.name, r.namespace, r.namespace_description, r.defer_loading]), [
      [0, 'lookup', null, null, 0], [1, 'find', 'crm', 'Customer tools', 1], [2, 'note', 'crm', 'Customer tools', 0], [3, 'last', null, null, 0],
    ]);
    assert.equal(raw[0].input_schema, JSON.stringify(SCHEMA), 'compact JSON text');
    assert.deepEqual(store.readDynamicTools(threadId), TAGGED);
  });

  it('normalises the legacy flat form to the same rows as its tagged equivalent', () => {
    const flat = validateDynamicTools([
      { name: 'lookup', description: 'Look it up', inputSchema: SCHEMA },
      { name: 'find', description: 'Find a customer', inputSchema: { type: 'object' }, namespace: 'crm', exposeToContext: false },
      { name: 'note', description: 'Add a note', inputSchema: { type: 'object' }, namespace: 'crm' },
    ]);
    assert.deepEqual(flat, [
      TAGGED[0],
      { type: 'namespace', name: 'crm', description: '', tools: (TAGGED[1] as Extract<DynamicToolSpec, { type: 'namespace' }>).tools },
    ]);
    store.insertDynamicTools(threadId, flat);
    assert.deepEqual(store.readDynamicTools(threadId), flat);
  });

  it('a second insert for the same positions changes nothing (first list wins)', () => {
    assert.equal(insertDynamicTools(store.db, threadId, flattenDynamicTools(TAGGED)), 4);
    const before = store.db.all('SELECT * FROM thread_dynamic_tools ORDER BY position');
    const other: DynamicToolSpec[] = [
      { type: 'function', name: 'other', description: 'x', inputSchema: {} },
      { type: 'namespace', name: 'zzz', description: 'y', tools: [{ type: 'function', name: 'z', description: 'z', inputSchema: {} }] },
    ];
    assert.equal(store.insertDynamicTools(threadId, other), 0);
    assert.equal(store.insertDynamicTools(threadId, TAGGED), 0);
    assert.deepEqual(store.db.all('SELECT * FROM thread_dynamic_tools ORDER BY position'), before);
    // A longer list only adds the positions that were free.
    const longer = [...TAGGED, { type: 'function' as const, name: 'extra', description: 'e', inputSchema: {} }];
    assert.equal(store.insertDynamicTools(threadId, longer), 1);
    assert.equal(toolRowCount(store, threadId), 5);
  });

  it('an upsert of the thread row keeps the stored tools; tools need the thread row', async () => {
    const { path, id } = writeRollout(home, { tools: TAGGED });
    const meta = await metadataOf(home, path);
    store.upsertThread(meta);
    assert.deepEqual(store.getThread(id)!.metadata.dynamicTools, TAGGED);
    store.upsertThread({ ...meta, dynamicTools: [{ type: 'function', name: 'changed', description: 'c', inputSchema: {} }] });
    assert.deepEqual(store.readDynamicTools(id), TAGGED);
    assert.throws(() => store.insertDynamicTools('11111111-1111-4111-8111-111111111111', TAGGED), /FOREIGN KEY/);
    assert.ok(store.deleteThread(id));
    assert.equal(toolRowCount(store, id), 0, 'cascade');
  });

  it('groups rows written before namespace descriptions were kept with an empty description', () => {
    store.db.run(
      "INSERT INTO thread_dynamic_tools (thread_id, position, name, description, input_schema, namespace, defer_loading) VALUES (?, 0, 'a', 'd', '{}', 'ns', 0), (?, 1, 'b', 'd', 'not json', 'ns', 1)",
      threadId, threadId,
    );
    assert.deepEqual(groupDynamicTools(readDynamicTools(store.db, threadId)), [
      { type: 'namespace', name: 'ns', description: '', tools: [
        { type: 'function', name: 'a', description: 'd', inputSchema: {} },
        { type: 'function', name: 'b', description: 'd', inputSchema: null, deferLoading: true },
      ] },
    ]);
  });

  it('the namespace description column comes from its own migration', () => {
    const versions = store.db.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.equal(versions.find((v) => v.version === 6)?.name, 'dynamic_tool_namespace_description');
    const columns = store.db.all<{ name: string }>('PRAGMA table_info(thread_dynamic_tools)').map((c) => c.name);
    assert.ok(columns.includes('namespace_description'));
  });
});
