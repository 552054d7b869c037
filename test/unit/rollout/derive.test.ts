// Pure derivation rules on hand-made lines: metadata (§6) and turn rebuilding (§7).

import assert from 'node:assert/strict';
import { deriveThreadMetadata, normalizeDynamicTools, stripUserMessagePrefix } from '../../../src/rollout/extract.ts';
import { turnsFromLines, withItemsView } from '../../../src/rollout/history.ts';
import { durationToMs } from '../../../src/rollout/history-items.ts';
import { shellJoin } from '../../../src/rollout/shell-join.ts';
import type { RolloutLine } from '../../../src/rollout/lines.ts';

const ID = '01a2121e-e83b-7081-b133-76ea94c04633';
const FILE = { path: `/h/sessions/2026/11/25/rollout-2026-11-25T09-52-25-${ID}.jsonl`, archived: false, size: 10, mtimeMs: 1795600400123.9 };
const meta = (extra: Record<string, unknown> = {}): RolloutLine => ({ type: 'session_meta', payload: { id: ID, timestamp: '2026-11-25T09:52:25.153Z', cwd: '/p', cli_version: '1', ...extra } });
const ev = (payload: Record<string, unknown>): RolloutLine => ({ type: 'event_msg', payload });
const user = (message: string, extra: Record<string, unknown> = {}) => ev({ type: 'user_message', message, images: [], local_images: [], ...extra });

describe('metadata derivation', () => {
  it('strips the request prefix, skips context messages and uses [Image] for image-only prompts', () => {
    assert.equal(stripUserMessagePrefix('Context blah\n## My request for Codex:\n  Second real request  '), 'Second real request');
    const m = deriveThreadMetadata([
      meta(),
      { type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>…' }] } },
      user('', { images: ['data:image/png;base64,AAA'] }),
      user('ctx\n## My request for Codex: real title'),
    ], FILE)!;
    assert.equal(m.preview, '[Image]');
    assert.equal(m.firstUserMessage, '[Image]');
    assert.equal(m.title, 'real title');
    assert.equal(m.source, 'vscode');
    assert.equal(m.modelProvider, null);
    assert.equal(m.createdAt, 1795600345);
    assert.equal(m.createdAtMs, 1795600345153);
    assert.equal(m.updatedAtMs, 1795600400123);
    assert.equal(m.historyMode, 'legacy');
  });

  it('reads 0.169 UserMessage items, settings, tokens and ignores a forked parent session_meta', () => {
    const m = deriveThreadMetadata([
      meta({ history_mode: 'paginated', forked_from_id: 'parent', source: 'exec', model_provider: 'p1' }),
      meta({ id: 'parent', cwd: '/elsewhere', dynamic_tools: [{ name: 'x', description: 'd', inputSchema: {} }] }),
      { type: 'turn_context', payload: { model: 'm1', effort: 'high', approval_policy: 'never', sandbox_policy: { type: 'read-only' } } },
      ev({ type: 'thread_settings_applied', thread_settings: { model: 'm2' } }),
      ev({ type: 'item_completed', turn_id: 't', item: { type: 'UserMessage', id: 'u', content: [{ type: 'text', text: 'Hi 0.169', text_elements: [] }] } }),
      ev({ type: 'token_count', info: { total_token_usage: { total_tokens: 50 } } }),
      ev({ type: 'token_count', info: null }),
    ], FILE)!;
    assert.equal(m.preview, 'Hi 0.169');
    assert.equal(m.model, 'm2');
    assert.equal(m.reasoningEffort, 'high');
    assert.equal(m.approvalMode, 'never');
    assert.equal(m.sandboxPolicy, '{"type":"read-only"}');
    assert.equal(m.tokensUsed, 50);
    assert.equal(m.cwd, '/p');
    assert.equal(m.forkedFromId, 'parent');
    assert.equal(m.historyMode, 'paginated');
    assert.equal(m.dynamicTools, null);
  });

  it('normalises flat dynamic tools by namespace and keeps the tagged form', () => {
    assert.deepEqual(normalizeDynamicTools([
      { name: 'a', description: 'A', inputSchema: { type: 'object' } },
      { name: 'b', description: 'B', inputSchema: {}, namespace: 'ns', exposeToContext: false },
      { name: 'c', description: 'C', inputSchema: {}, namespace: 'ns', deferLoading: false },
    ]), [
      { type: 'function', name: 'a', description: 'A', inputSchema: { type: 'object' } },
      { type: 'namespace', name: 'ns', description: '', tools: [
        { type: 'function', name: 'b', description: 'B', inputSchema: {}, deferLoading: true },
        { type: 'function', name: 'c', description: 'C', inputSchema: {}, deferLoading: false },
      ] },
    ]);
    const tagged = [{ type: 'namespace', name: 't', description: 'd', tools: [{ type: 'function', name: 'x', description: 'y', inputSchema: {} }] }];
    assert.deepEqual(normalizeDynamicTools(tagged), tagged);
    assert.equal(normalizeDynamicTools([]), null);
  });
});

describe('turn rebuilding', () => {
  it('leaves an unfinished explicit turn interrupted, or inProgress when running', () => {
    const lines = [meta(), ev({ type: 'task_started', turn_id: 'T1' }), user('go')];
    assert.equal(turnsFromLines(lines)[0].status, 'interrupted');
    assert.equal(turnsFromLines(lines, { running: true })[0].status, 'inProgress');
  });

  it('handles late-Feb turns, failures, aborts, compaction, review and rollback', () => {
    const turns = turnsFromLines([
      meta(),
      ev({ type: 'task_started', turn_id: 'A' }), user('one'), ev({ type: 'agent_reasoning', text: 'r1' }), ev({ type: 'agent_reasoning', text: 'r2' }),
      ev({ type: 'agent_message', message: 'ans', phase: 'final_answer' }), ev({ type: 'task_complete', turn_id: 'A' }),
      ev({ type: 'task_started', turn_id: 'B' }), user('two'), ev({ type: 'error', message: 'boom', codex_error_info: 'context_window_exceeded' }), ev({ type: 'task_complete', turn_id: 'B' }),
      ev({ type: 'task_started', turn_id: 'C' }), user('three'), ev({ type: 'turn_aborted', turn_id: 'C', reason: 'interrupted' }),
      ev({ type: 'task_started', turn_id: 'D' }), ev({ type: 'context_compacted' }), ev({ type: 'entered_review_mode' }), ev({ type: 'exited_review_mode' }),
      ev({ type: 'exec_command_end', call_id: 'c1', turn_id: 'D', command: ['ls', '-la', 'a b'], cwd: '/p', parsed_cmd: [{ type: 'unknown', cmd: 'ls' }], aggregated_output: '', exit_code: 0, duration: { secs: 1, nanos: 5_000_000 }, status: 'completed' }),
      ev({ type: 'task_complete', turn_id: 'D' }),
      ev({ type: 'task_started', turn_id: 'E' }), user('dropped'), ev({ type: 'task_complete', turn_id: 'E' }),
      ev({ type: 'thread_rolled_back', num_turns: 1 }),
    ]);
    assert.deepEqual(turns.map((t) => [t.id, t.status]), [['A', 'completed'], ['B', 'failed'], ['C', 'interrupted'], ['D', 'completed']]);
    assert.deepEqual(turns[0].items[1], { type: 'reasoning', id: 'item-2', summary: ['r1', 'r2'], content: [], startedAtMs: null, completedAtMs: null });
    assert.deepEqual(turns[1].error, { message: 'boom', codexErrorInfo: 'contextWindowExceeded', additionalDetails: null, misalignment: null });
    assert.deepEqual(turns[3].items.map((i) => i.type), ['contextCompaction', 'enteredReviewMode', 'exitedReviewMode', 'commandExecution']);
    assert.deepEqual(turns[3].items[1], { type: 'enteredReviewMode', id: 'item-7', review: 'Review requested.', startedAtMs: null, completedAtMs: null });
    const cmd = turns[3].items[3] as Record<string, unknown>;
    assert.equal(cmd.command, "ls -la 'a b'");
    assert.equal(cmd.aggregatedOutput, null);
    assert.equal(cmd.durationMs, 1005);
    assert.equal(cmd.source, 'agent');
    assert.deepEqual(withItemsView(turns[0], 'summary').items.map((i) => i.type), ['userMessage', 'agentMessage']);
    assert.deepEqual(withItemsView(turns[0], 'notLoaded').items, []);
  });

  it('opens implicit rollout-<k> turns per user message and drops empty implicit turns', () => {
    const turns = turnsFromLines([
      meta(), { type: 'turn_context', payload: {} }, user('a'), ev({ type: 'agent_message', message: '' }),
      { type: 'compacted', payload: { message: 's' } }, user('b'), ev({ type: 'agent_message', message: 'B' }),
    ]);
    assert.deepEqual(turns.map((t) => [t.id, t.items.length]), [['rollout-2', 1], ['rollout-5', 2]]);
  });

  it('maps 0.169 items and their times', () => {
    assert.equal(shellJoin(['/bin/bash', '-lc', "echo ok && pwd"]), "/bin/bash -lc 'echo ok && pwd'");
    assert.equal(shellJoin(["it's"]), `"it's"`);
    assert.equal(durationToMs({ secs: 0, nanos: 1_679_092 }), 1);
    const [turn] = turnsFromLines([
      ev({ type: 'task_started', turn_id: 'T', root_turn_id: 'T', started_at: 100 }),
      ev({ type: 'item_completed', turn_id: 'T', item: { type: 'Plan', id: 'p1', text: 'plan' }, started_at_ms: 5, completed_at_ms: 6 }),
      ev({ type: 'item_completed', turn_id: 'T', item: { type: 'FileChange', id: 'f1', changes: { '/a': { add: { content: 'x' } } }, status: 'completed' } }),
      ev({ type: 'item_completed', turn_id: 'other', item: { type: 'Plan', id: 'lost', text: 'x' } }),
      ev({ type: 'task_complete', turn_id: 'T', completed_at: 101, duration_ms: 900 }),
    ]);
    assert.equal(turn.startedAt, 100);
    assert.equal(turn.completedAt, 101);
    assert.equal(turn.durationMs, 900);
    assert.deepEqual(turn.items[0], { type: 'plan', id: 'p1', text: 'plan', startedAtMs: 5, completedAtMs: 6 });
    assert.deepEqual((turn.items[1] as Record<string, unknown>).changes, [{ path: '/a', kind: { type: 'add' }, diff: 'x' }]);
    assert.equal(turn.items.length, 3); // the item of an unknown turn lands in the current one
  });
});
