// Small rollouts for the search tests, one per era, each with every kind of searchable content
// and a few words that must NOT be found (injected context, output past the indexed head).

import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Line = Record<string, unknown>;

export interface ThreadSpec {
  id?: string;
  time?: string;
  cwd?: string;
  source?: unknown;
  archived?: boolean;
}

function iso(time: string): string {
  const [date, clock] = time.split('T');
  return `${date}T${clock.replace(/-/g, ':')}.000Z`;
}

export function metaLine(id: string, time: string, spec: ThreadSpec, cliVersion: string): Line {
  return {
    timestamp: iso(time), type: 'session_meta',
    payload: { id, timestamp: iso(time), cwd: spec.cwd ?? '/work/search', originator: 'codex_cli_rs', cli_version: cliVersion, source: spec.source ?? 'cli', model_provider: 'openai' },
  };
}

const ev = (payload: Line): Line => ({ timestamp: '2026-02-10T10:00:01.000Z', type: 'event_msg', payload });

/** A prompt as Feb-era Codex writes it: the response item and the user_message event. */
export function febPrompt(text: string): Line[] {
  return [
    { timestamp: '2026-02-10T10:00:01.000Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } },
    ev({ type: 'user_message', message: text, images: [], local_images: [], text_elements: [] }),
  ];
}

export const febAgent = (text: string): Line => ev({ type: 'agent_message', message: text });

/** Feb era (0.98 with extended history): every kind of searchable content as event_msg lines. */
export function febContent(): Line[] {
  return [
    { timestamp: '2026-02-10T10:00:00.500Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>\n  <cwd>/work/hiddencontextword</cwd>\n</environment_context>' }] } },
    ...febPrompt('Please look at the wobbleflange module'),
    ev({ type: 'agent_reasoning', text: 'Considering the quuxreason approach' }),
    ev({ type: 'exec_command_end', call_id: 'call_feb_1', turn_id: 't1', command: ['/bin/bash', '-lc', 'grep -rn zorbcommand src'], cwd: '/work/search', aggregated_output: `found frobnoutput here\n${'y '.repeat(1500)}pastthehead`, exit_code: 0, status: 'completed' }),
    ev({ type: 'patch_apply_end', call_id: 'call_feb_2', turn_id: 't1', changes: { '/work/search/src/glimmerfile.ts': { update: { unified_diff: '@@ -1 +1 @@\n-old diffonlyword\n+new', move_path: null } } }, success: true }),
    ev({ type: 'mcp_tool_call_end', call_id: 'call_feb_3', invocation: { server: 'docserver', tool: 'fetch_spindle', arguments: { q: 'argumentonlyword' } }, result: { Ok: { content: [] } } }),
    ev({ type: 'dynamic_tool_call_request', callId: 'call_feb_4', turnId: 't1', tool: 'lookup_gadget', arguments: { id: 1 } }),
    febAgent('The wobbleflange module is fine; answerword'),
  ];
}

const item = (turnId: string, it: Line): Line => ev({ type: 'item_completed', thread_id: 'x', turn_id: turnId, item: it, started_at_ms: 1, completed_at_ms: 2 });

/** 0.169 era: item_completed TurnItems with recorded ids. */
export function newContent(turn = '01a2121e-e857-7b93-a81c-31ada33caee3'): Line[] {
  return [
    ev({ type: 'task_started', turn_id: turn, root_turn_id: turn, started_at: 1 }),
    { timestamp: '2026-02-10T10:00:00.500Z', type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: '<environment_context>hiddencontextword</environment_context>' }] } },
    item(turn, { type: 'UserMessage', id: 'user-item-1', content: [{ type: 'text', text: 'Tell me about the sprocketwheel', text_elements: [] }] }),
    item(turn, { type: 'Reasoning', id: 'rs_1', summary_text: ['Thinking about nebulareason'], raw_content: [] }),
    item(turn, { type: 'CommandExecution', id: 'call_new_1', process_id: '1', command: ['/bin/bash', '-lc', 'cargo test blorpcommand'], cwd: 'file:///work/search', parsed_cmd: [], source: 'unified_exec_startup', status: 'completed', aggregated_output: `ok quibbleoutput\n${'z '.repeat(1500)}pastthehead`, exit_code: 0, duration: { secs: 0, nanos: 1 } }),
    item(turn, { type: 'FileChange', id: 'call_new_2', changes: { '/work/search/lib/twinklefile.rs': { add: { content: 'fn diffonlyword() {}' } } }, status: 'completed' }),
    item(turn, { type: 'DynamicToolCall', id: 'call_new_3', tool: 'lookup_doohickey', arguments: { q: 'argumentonlyword' }, status: 'completed', content_items: [], success: true, duration: { secs: 0, nanos: 1 } }),
    item(turn, { type: 'AgentMessage', id: 'msg_1', content: [{ type: 'Text', text: 'The gear spins; replyword' }] }),
    ev({ type: 'task_complete', turn_id: turn, completed_at: 2, duration_ms: 5 }),
  ];
}

export function writeThread(home: string, body: Line[], spec: ThreadSpec = {}, cliVersion = '0.98.0'): { id: string; path: string } {
  const id = spec.id ?? randomUUID();
  const time = spec.time ?? '2026-02-10T10-00-00';
  const name = `rollout-${time}-${id}.jsonl`;
  const path = spec.archived ? join(home, 'archived_sessions', name) : join(home, 'sessions', time.slice(0, 4), time.slice(5, 7), time.slice(8, 10), name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, [metaLine(id, time, spec, cliVersion), ...body].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return { id, path };
}
