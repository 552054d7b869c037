// Long strings left in the rollout while a history answer is built, read back when it is serialized.

import assert from 'node:assert/strict';
import { appendFileSync, closeSync, cpSync, mkdtempSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DomainError } from '../../../src/errors.ts';
import type { Turn } from '../../../src/protocol/turn.ts';
import { buildHistory } from '../../../src/rollout/history.ts';
import { SPILL_MIN_CHARS, SpillScope, SpilledText, spillItem } from '../../../src/rollout/spilled-text.ts';

const FIXTURE_HOME = new URL('../../fixtures/codex-0.169.0/home/', import.meta.url).pathname;
const LEGACY_ID = '01a2121e-e83b-7081-b133-76ea94c04699';

/** A long text with what JSON must escape: quotes, backslashes, control characters, non-ASCII. */
function longText(seed: string, chars: number): string {
  const unit = `${seed} "quoted" back\\slash tab\t nl\n é ✓ 😀 \u0001 \u2028 `;
  return unit.repeat(Math.ceil(chars / unit.length)).slice(0, chars);
}

function spilledCount(value: unknown): number {
  if (value instanceof SpilledText) return 1;
  if (value === null || typeof value !== 'object') return 0;
  return Object.values(value).reduce((sum: number, v) => sum + spilledCount(v), 0);
}

/** The real 0.169 rollout with a CommandExecution, its output made 100k characters long. */
function inflated169(dir: string): string {
  const sessions = join(FIXTURE_HOME, 'sessions/2026/11/25');
  const name = readdirSync(sessions).find((f) => readFileSync(join(sessions, f), 'utf8').includes('"CommandExecution"'))!;
  const lines = readFileSync(join(sessions, name), 'utf8').split('\n').map((text) => {
    if (!text.includes('"CommandExecution"')) return text;
    const line = JSON.parse(text);
    line.payload.item.aggregated_output = longText('out169', 100_000);
    return JSON.stringify(line);
  });
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

/** A Feb-era rollout: a long prompt, a command with long output, a dynamic tool with long content. */
function legacy(dir: string): string {
  const ev = (payload: Record<string, unknown>) => JSON.stringify({ timestamp: '2026-02-01T10:00:01.000Z', type: 'event_msg', payload });
  const lines = [
    JSON.stringify({ timestamp: '2026-02-01T10:00:00.000Z', type: 'session_meta', payload: { id: LEGACY_ID, timestamp: '2026-02-01T10:00:00.000Z', cwd: '/p', originator: 'codex_cli_rs', cli_version: '0.98.0', source: 'cli', model_provider: 'openai' } }),
    ev({ type: 'task_started', turn_id: 't1' }),
    ev({ type: 'user_message', message: longText('prompt', 30_000), images: [], local_images: [], text_elements: [] }),
    ev({ type: 'exec_command_begin', call_id: 'c1', turn_id: 't1', command: ['bash', '-lc', 'cat big'], cwd: '/p', parsed_cmd: [] }),
    ev({ type: 'exec_command_end', call_id: 'c1', turn_id: 't1', command: ['bash', '-lc', 'cat big'], cwd: '/p', parsed_cmd: [], aggregated_output: longText('legacy-out', 70_000), exit_code: 0, status: 'completed' }),
    ev({ type: 'dynamic_tool_call_request', call_id: 'd1', turn_id: 't1', tool: 'lookup', arguments: { query: 'x' } }),
    ev({ type: 'dynamic_tool_call_response', call_id: 'd1', turn_id: 't1', tool: 'lookup', arguments: { query: 'x' }, success: true, content_items: [{ type: 'inputText', text: longText('tool', 20_000) }] }),
    ev({ type: 'agent_message', message: 'short answer' }),
    ev({ type: 'task_complete', turn_id: 't1' }),
  ];
  const path = join(dir, `rollout-2026-02-01T10-00-00-${LEGACY_ID}.jsonl`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

describe('spilled history strings', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ts-spill-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const [era, make, expectedSpills] of [['0.169', inflated169, 1], ['Feb-era', legacy, 3]] as const) {
    it(`serializes exactly as the in-memory history (${era}), and keeps only references in memory`, async () => {
      const path = make(dir);
      const plain = (await buildHistory(path)).turns;
      const scope = new SpillScope();
      try {
        const spilled = (await buildHistory(path, { spill: scope })).turns;
        assert.equal(spilledCount(spilled), expectedSpills);
        assert.ok(JSON.stringify(plain).length > SPILL_MIN_CHARS * expectedSpills);
        assert.equal(JSON.stringify(spilled), JSON.stringify(plain));
      } finally {
        scope.close();
      }
    });
  }

  it('spills from a fork\'s parent rollout too, reading each string back from the right file', async () => {
    const parent = inflated169(dir);
    const parentId = /-([0-9a-f-]{36})\.jsonl$/.exec(parent)![1];
    const forkId = '01a2121e-e83b-7081-b133-76ea94c04700';
    const at = '2026-11-25T10:00:00.000Z';
    const fork = join(dir, `rollout-2026-11-25T10-00-00-${forkId}.jsonl`);
    const forkLines = [
      { timestamp: at, ordinal: 0, type: 'session_meta', payload: { id: forkId, timestamp: at, cwd: '/p', originator: 'x', cli_version: '0.169.0', source: 'cli', model_provider: 'openai', history_base: { thread_id: parentId, end_byte_offset: readFileSync(parent).length } } },
      { timestamp: at, ordinal: 1, type: 'event_msg', payload: { type: 'user_message', message: longText('fork prompt', 20_000), images: [], local_images: [], text_elements: [] } },
      { timestamp: at, ordinal: 2, type: 'event_msg', payload: { type: 'agent_message', message: 'fork answer' } },
    ];
    writeFileSync(fork, `${forkLines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const resolveThreadPath = async (id: string) => (id === parentId ? parent : null);
    const plain = (await buildHistory(fork, { resolveThreadPath })).turns;
    const scope = new SpillScope();
    try {
      const spilled = (await buildHistory(fork, { resolveThreadPath, spill: scope })).turns;
      assert.equal(spilledCount(spilled), 2, 'one string from the parent, one from the fork');
      assert.equal(JSON.stringify(spilled), JSON.stringify(plain));
    } finally {
      scope.close();
    }
  });

  it('still answers from the same bytes after the rollout is moved or deleted', async () => {
    const path = legacy(dir);
    const plain = JSON.stringify((await buildHistory(path)).turns);
    const scope = new SpillScope();
    try {
      const spilled = (await buildHistory(path, { spill: scope })).turns;
      renameSync(path, join(dir, 'moved.jsonl'));
      rmSync(join(dir, 'moved.jsonl'));
      assert.equal(JSON.stringify(spilled), plain);
    } finally {
      scope.close();
    }
  });

  it('refuses to answer with altered strings when the bytes changed underneath: verify() before the answer, toJSON() during it', async () => {
    const path = legacy(dir);
    const scope = new SpillScope();
    try {
      const spilled: Turn[] = (await buildHistory(path, { spill: scope })).turns;
      scope.verify(); // unchanged: fine
      // Rewritten in place and cut short (not what Codex does): the open handle sees the new bytes.
      writeFileSync(path, readFileSync(path, 'utf8').replace(/legacy-out/g, 'LEGACY-OUT').slice(0, 5000));
      assert.throws(() => scope.verify(), (err: DomainError) => err.kind === 'io' && err.message.includes(path) && /changed while its answer/.test(err.message));
      assert.throws(() => JSON.stringify(spilled), /changed while its answer was being written/);
    } finally {
      scope.close();
    }
  });

  it('verify() passes when the rollout only grew (an active thread), and fails once a spilled literal is zeroed', async () => {
    const path = legacy(dir);
    const scope = new SpillScope();
    try {
      const plain = JSON.stringify((await buildHistory(path)).turns);
      const spilled: Turn[] = (await buildHistory(path, { spill: scope })).turns;
      appendFileSync(path, '{"timestamp":"2026-02-01T10:00:09.000Z","type":"event_msg","payload":{"type":"agent_reasoning","text":"more"}}\n');
      scope.verify();
      assert.equal(JSON.stringify(spilled), plain);
      const bytes = readFileSync(path);
      const at = bytes.indexOf('legacy-out');
      const fd = openSync(path, 'r+');
      writeSync(fd, Buffer.alloc(64), 0, 64, at);
      closeSync(fd);
      assert.throws(() => scope.verify(), /changed while its answer/);
    } finally {
      scope.close();
    }
  });

  it('never writes a literal that is no longer valid JSON, even when the line kept its length', async () => {
    const path = legacy(dir);
    const scope = new SpillScope();
    try {
      const spilled: Turn[] = (await buildHistory(path, { spill: scope })).turns;
      // Same length, but an unescaped quote inside the output's literal.
      writeFileSync(path, readFileSync(path, 'utf8').replace(/legacy-out/g, 'legacy"out'));
      assert.throws(() => JSON.stringify(spilled), /changed while its answer was being written/);
    } finally {
      scope.close();
    }
  });

  it('keeps a string in memory when its rollout cannot be opened any more', () => {
    const output = longText('gone', 20_000);
    const line = { type: 'event_msg', payload: { type: 'exec_command_end', aggregated_output: output } };
    const text = JSON.stringify(line);
    const item: Record<string, unknown> = { type: 'commandExecution', id: 'c1', aggregatedOutput: output };
    const scope = new SpillScope();
    try {
      spillItem(scope, { path: join(dir, 'missing.jsonl'), start: 0, end: text.length + 1, line, text }, item);
      assert.equal(item.aggregatedOutput, output);
      assert.equal(scope.used, false);
    } finally {
      scope.close();
    }
  });

  it('spills only long strings of long lines: short rollouts open nothing', async () => {
    const copy = join(dir, 'home');
    cpSync(FIXTURE_HOME, copy, { recursive: true });
    const scope = new SpillScope();
    try {
      // The fixture's own lines are all short: nothing is spilled and no file is opened.
      const sessions = join(copy, 'sessions/2026/11/25');
      for (const name of readdirSync(sessions)) {
        const turns = (await buildHistory(join(sessions, name), { spill: scope })).turns;
        assert.equal(spilledCount(turns), 0, name);
      }
      assert.equal(scope.used, false);
    } finally {
      scope.close();
    }
  });
});
