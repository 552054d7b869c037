// Writer: new rollouts, appended legacy turns, round trips of the real fixtures, moves, UUIDv7.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, existsSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { buildHistory } from '../../../src/rollout/history.ts';
import { findRolloutById, listRolloutFiles, parseRolloutFileName } from '../../../src/rollout/paths.ts';
import { streamRollout } from '../../../src/rollout/reader.ts';
import {
  agentMessageLines, agentReasoningLine, appendRolloutLines, archiveRollout, createRollout, deleteRollout,
  newThreadId, taskCompleteLine, tokenCountLine, unarchiveRollout, userTurnLines,
} from '../../../src/rollout/writer.ts';
import { VERSION } from '../../../src/version.ts';
import { FIXTURES, makeFixtureHome } from './fixture-home.ts';

describe('rollout writer', () => {
  let home: string;
  beforeEach(() => { home = mkdtempSync(join(tmpdir(), 'ts-writer-')); });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('makes RFC 9562 UUIDv7 ids that sort in creation order', () => {
    const ids = Array.from({ length: 2000 }, () => newThreadId());
    for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
    const ms = parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
    assert.ok(Math.abs(ms - Date.now()) < 5000);
  });

  it('creates a readable rollout with session_meta, then appends a legacy turn', async () => {
    const created = await createRollout(home, {
      cwd: '/work/proj', modelProvider: 'openai', git: { sha: 'abc', branch: 'main', originUrl: null },
      dynamicTools: [{ type: 'function', name: 'lookup', description: 'd', inputSchema: { type: 'object' } }],
    });
    assert.equal(statSync(created.path).mode & 0o777, 0o600);
    const parsed = parseRolloutFileName(created.path);
    assert.equal(parsed?.id, created.id);
    assert.ok(created.path.startsWith(join(home, 'sessions')));
    const first = JSON.parse(readFileSync(created.path, 'utf8').split('\n')[0]);
    assert.equal(first.payload.cli_version, VERSION);
    assert.equal(first.payload.originator, 'threadstate');
    assert.equal(first.payload.source, 'vscode');

    const turnId = newThreadId();
    await appendRolloutLines(home, created.path, [
      ...userTurnLines({ turnId, text: 'Context\n## My request for Codex:\n  Fix the bug  ', cwd: '/work/proj', model: 'gpt-5' }),
      agentReasoningLine('thinking'),
      ...agentMessageLines('Done.', 'final_answer'),
      tokenCountLine(120, 120),
      taskCompleteLine(turnId, 'Done.'),
    ]);
    const { metadata, error } = await extractThreadMetadata(created.path, { codexHome: home });
    assert.equal(error, undefined);
    assert.equal(metadata!.id, created.id);
    assert.equal(metadata!.preview, 'Fix the bug');
    assert.equal(metadata!.model, 'gpt-5');
    assert.equal(metadata!.tokensUsed, 120);
    assert.deepEqual(metadata!.git, { sha: 'abc', branch: 'main', originUrl: null });
    assert.deepEqual(metadata!.dynamicTools, [{ type: 'function', name: 'lookup', description: 'd', inputSchema: { type: 'object' } }]);
    const { turns } = await buildHistory(created.path);
    assert.equal(turns.length, 1);
    assert.equal(turns[0].id, turnId);
    assert.equal(turns[0].status, 'completed');
    assert.deepEqual(turns[0].items.map((i) => i.type), ['userMessage', 'reasoning', 'agentMessage']);
    assert.equal((turns[0].items[2] as { phase: string }).phase, 'final_answer');
    assert.equal((turns[0].items[0] as { id: string }).id, 'item-1');
  });

  it('archives, unarchives (touching mtime) and deletes', async () => {
    const created = await createRollout(home, { cwd: '/p', createdAt: new Date(2026, 0, 5, 10, 0, 0) });
    utimesSync(created.path, new Date(2020, 0, 1), new Date(2020, 0, 1));
    const archived = await archiveRollout(home, created.path);
    assert.equal(archived, join(home, 'archived_sessions', created.path.split('/').pop()!));
    assert.ok(!existsSync(created.path));
    const before = Date.now() - 1000;
    const back = await unarchiveRollout(home, archived);
    assert.equal(back, created.path);
    assert.ok(statSync(back).mtimeMs >= before);
    assert.equal(await deleteRollout(home, back), true);
    assert.equal(await deleteRollout(home, back), false);
    await assert.rejects(deleteRollout(home, '/etc/passwd'), /outside the Codex home/);
  });

  it('writes each line with one append: a cut-off last line leaves earlier lines intact', async () => {
    const created = await createRollout(home, { cwd: '/p' });
    await appendRolloutLines(home, created.path, userTurnLines({ turnId: 't1', text: 'hi', cwd: '/p', model: 'm' }));
    writeFileSync(created.path, '{"timestamp":"2026-01-01T00:00:00.000Z","type":"event_msg","payload":{"type":"agent_mes', { flag: 'a' });
    const stream = streamRollout(created.path);
    let count = 0;
    for await (const item of stream) if (item.line) count += 1;
    assert.equal(count, 5);
    assert.equal(stream.stats.truncatedTail, true);
  });
});

for (const name of FIXTURES) {
  describe(`round trip through the writer: ${name}`, () => {
    it('copies every fixture rollout line by line and reads back the same metadata and turns', async () => {
      const fixture = makeFixtureHome(name);
      const copyHome = mkdtempSync(join(tmpdir(), 'ts-roundtrip-'));
      try {
        const files = await listRolloutFiles(fixture.home);
        assert.ok(files.length >= 10);
        for (const file of files) {
          const lines: unknown[] = [];
          for await (const { line } of streamRollout(file.path)) if (line) lines.push(line);
          const target = join(copyHome, file.relPath);
          const created = await createRolloutCopy(target, lines);
          utimesSync(created, file.mtimeMs / 1000, file.mtimeMs / 1000);
        }
        const resolver = (h: string) => async (id: string) => (await findRolloutById(h, id))?.path ?? null;
        for (const file of files) {
          const a = await extractThreadMetadata(file.path, { codexHome: fixture.home });
          const copy = join(copyHome, file.relPath);
          const b = await extractThreadMetadata(copy, { codexHome: copyHome });
          assert.deepEqual({ ...b.metadata!, rolloutPath: '', fingerprint: null }, { ...a.metadata!, rolloutPath: '', fingerprint: null });
          const ta = await buildHistory(file.path, { resolveThreadPath: resolver(fixture.home) });
          const tb = await buildHistory(copy, { resolveThreadPath: resolver(copyHome) });
          assert.deepEqual(tb.turns, ta.turns);
        }
      } finally {
        fixture.cleanup();
        rmSync(copyHome, { recursive: true, force: true });
      }
    });
  });
}

/** Writes lines through appendRolloutLines into a file at an exact path (fixture layout). */
async function createRolloutCopy(path: string, lines: unknown[]): Promise<string> {
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, '');
  await appendRolloutLines(join(path, '..'), path, lines);
  return path;
}
