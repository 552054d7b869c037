import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openStateStore } from '../../../src/store/open.ts';
import { getThreadRowByWatermark, rowToMetadata } from '../../../src/state/threads.ts';
import { flattenDynamicTools, groupDynamicTools } from '../../../src/state/dynamic-tools.ts';
import type { DynamicToolSpec, ThreadMetadata } from '../../../src/model/thread-metadata.ts';
import type { StateStore } from '../../../src/store/store.ts';
import { metadataOf, tempHome, writeRollout, type RolloutSpec } from './helpers.ts';

const TOOLS: DynamicToolSpec[] = [
  { type: 'function', name: 'lookup', description: 'Look it up', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
  {
    type: 'namespace', name: 'crm', description: '', tools: [
      { type: 'function', name: 'find', description: 'Find a customer', inputSchema: { type: 'object' }, deferLoading: true },
      { type: 'function', name: 'note', description: 'Add a note', inputSchema: { type: 'object' } },
    ],
  },
];

/** `check` on a store over a fresh home holding one rollout written with `spec`; closed and removed after. */
async function withOneThread(spec: RolloutSpec, check: (t: { home: string; path: string; id: string; meta: ThreadMetadata; store: StateStore }) => void): Promise<void> {
  const home = tempHome();
  const { path, id } = writeRollout(home, spec);
  const meta = await metadataOf(home, path);
  const store = openStateStore(home);
  try {
    check({ home, path, id, meta, store });
  } finally {
    store.close();
    rmSync(join(home, '..'), { recursive: true, force: true });
  }
}

describe('state: thread rows and dynamic tools', () => {
  it('round-trips ThreadMetadata through a row', () => withOneThread({ message: 'Round trip me', cwd: '/src/a', source: { subagent: 'review' } }, ({ path, id, meta, store }) => {
    store.upsertThread(meta);
    const stored = store.getThread(id);
    assert.ok(stored);
    assert.deepEqual(stored.metadata, { ...meta, recencyAt: meta.recencyAt ?? null });
    assert.equal(stored.name, null);
    assert.deepEqual(store.getThreadByPath(path)?.metadata.id, id);
    const row = getThreadRowByWatermark(store.db, `sessions/2026/02/10/rollout-2026-02-10T10-00-00-${id}.jsonl`);
    assert.equal(row?.source, '{"subagent":"review"}');
    assert.equal(row?.source_kind, 'subAgentReview');
    assert.equal(row?.listable, 1);
    assert.deepEqual(rowToMetadata(row!).source, { subagent: 'review' });
  }));

  it('keeps a stored name and stored git values when a rebuild has none or an older one', () => withOneThread({}, ({ id, meta, store }) => {
    store.upsertThread(meta, { name: 'Kept' });
    assert.ok(store.setGit(id, { sha: 'abc', branch: 'main' }));
    store.upsertThread({ ...meta, preview: 'changed', git: { sha: 'zzz', branch: null, originUrl: 'https://x' } });
    const stored = store.getThread(id)!;
    assert.equal(stored.name, 'Kept');
    assert.equal(stored.metadata.preview, 'changed');
    assert.deepEqual(stored.metadata.git, { sha: 'abc', branch: 'main', originUrl: 'https://x' });
    // A name given to an upsert only names a new row: a stale snapshot must not undo a rename.
    store.upsertThread(meta, { name: 'Older snapshot' });
    assert.equal(store.getThread(id)!.name, 'Kept');
    assert.ok(store.setName(id, 'Renamed'));
    assert.equal(store.getThread(id)!.name, 'Renamed');
    assert.ok(store.setName(id, null));
    assert.equal(store.getThread(id)!.name, null);
    assert.equal(store.setName('00000000-0000-0000-0000-000000000000', 'x'), false);
  }));

  it('records archive moves and deletes rows with their tools and memory', () => withOneThread({ tools: TOOLS }, ({ home, path, id, meta, store }) => {
    store.upsertThread(meta);
    assert.ok(store.setArchived(id, { archived: true, archivedAt: 1_700_000_000, rolloutPath: `${home}/archived_sessions/x.jsonl`, fingerprint: { size: 5, mtimeMs: 1_700_000_000_500.25 } }));
    let row = store.getThread(id)!.metadata;
    assert.equal(row.archived, true);
    assert.equal(row.archivedAt, 1_700_000_000);
    assert.equal(row.updatedAtMs, 1_700_000_000_500);
    assert.equal(row.updatedAt, 1_700_000_000);
    assert.deepEqual(row.fingerprint, { size: 5, mtimeMs: 1_700_000_000_500.25 });
    assert.equal(getThreadRowByWatermark(store.db, 'archived_sessions/x.jsonl')?.id, id);
    assert.ok(store.setArchived(id, { archived: false, archivedAt: 123, rolloutPath: path }));
    row = store.getThread(id)!.metadata;
    assert.equal(row.archived, false);
    assert.equal(row.archivedAt, null);
    store.db.run("INSERT INTO thread_memory (thread_id, trace_summary, memory_summary, updated_at) VALUES (?, 't', 'm', 1)", id);
    assert.equal(store.readDynamicToolRows(id).length, 3);
    assert.ok(store.deleteThread(id));
    assert.equal(store.getThread(id), null);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_dynamic_tools')?.n, 0);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_memory')?.n, 0);
    assert.equal(store.deleteThread(id), false);
  }));

  it('stores tools in order, first list wins, and groups them back', () => withOneThread({ tools: TOOLS }, ({ id, meta, store }) => {
    store.upsertThread(meta);
    assert.deepEqual(store.getThread(id)!.metadata.dynamicTools, TOOLS);
    const rows = store.readDynamicToolRows(id);
    assert.deepEqual(rows.map((r) => [r.position, r.name, r.namespace, r.deferLoading]), [[0, 'lookup', null, false], [1, 'find', 'crm', true], [2, 'note', 'crm', false]]);
    const other: DynamicToolSpec[] = [{ type: 'function', name: 'other', description: 'd', inputSchema: {} }];
    assert.equal(store.insertDynamicTools(id, other), 0, 'existing positions are never overwritten');
    assert.deepEqual(store.readDynamicTools(id), TOOLS);
    assert.deepEqual(groupDynamicTools(flattenDynamicTools(TOOLS)), TOOLS);
    assert.throws(() => store.insertDynamicTools('11111111-1111-1111-1111-111111111111', other), /FOREIGN KEY/);
  }));
});
