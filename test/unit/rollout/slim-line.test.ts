// The index's reads cut long command outputs and base instructions before parsing a line
// (src/rollout/slim-line.ts): what they derive must be what a full parse of every line gives.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveThreadMetadata, extractThreadMetadata, extractThreadMetadataSync } from '../../../src/rollout/extract.ts';
import type { RolloutLine } from '../../../src/rollout/lines.ts';
import { OUTPUT_CHARS, searchTextFromLines } from '../../../src/rollout/search-text.ts';
import { INDEX_SLIM_KEYS, SLIM_KEEP_BYTES, slimLineText } from '../../../src/rollout/slim-line.ts';

const ID = '019b76de-9fb3-72c4-bba9-6b2036d88d55';
const TURN = '019b76de-9fb3-7081-acf3-ba406219272b';
const at = (s: number) => `2026-01-04T02:38:${String(s).padStart(2, '0')}.000Z`;

/** Outputs whose cut falls on every kind of character: escapes, \\u escapes, surrogate pairs, multi-byte UTF-8. */
const OUTPUTS = [
  'x'.repeat(40_000),
  '"quoted" \\ back\\slash\n\t'.repeat(2000),
  'é—😀 ünïcödé '.repeat(3000),
  '\u0001\u001f control '.repeat(3000),
  '\u0002'.repeat(20_000), // six bytes a character: the densest escape
  `${' '.repeat(5000)}leading blanks then text ${'y'.repeat(9000)}`,
  `${'a'.repeat(SLIM_KEEP_BYTES - 1)}😀${'b'.repeat(10_000)}`,
  `${'a'.repeat(SLIM_KEEP_BYTES - 3)}\\u00e9${'b'.repeat(10_000)}`,
  'short',
];

function lines(): string[] {
  const ev = (s: number, payload: Record<string, unknown>) => JSON.stringify({ timestamp: at(s), type: 'event_msg', payload });
  const out = [JSON.stringify({
    timestamp: at(0), type: 'session_meta',
    payload: { id: ID, timestamp: at(0), cwd: '/p', originator: 'codex_cli_rs', cli_version: '0.169.0', source: 'cli', model_provider: 'openai', base_instructions: { text: 'You are Codex. '.repeat(2000) } },
  })];
  out.push(ev(1, { type: 'task_started', turn_id: TURN, started_at: 1767494296 }));
  out.push(ev(1, { type: 'item_completed', turn_id: TURN, item: { type: 'UserMessage', id: 'u1', content: [{ type: 'text', text: 'run the commands', text_elements: [] }] } }));
  OUTPUTS.forEach((output, i) => {
    // 0.169: the whole output in the CommandExecution item (and, for a Feb-era line, in exec_command_end).
    out.push(ev(2, {
      type: 'item_completed', turn_id: TURN,
      item: { type: 'CommandExecution', id: `call_${i}`, command: ['/bin/bash', '-lc', `cmd ${i}`], cwd: 'file:///p', parsed_cmd: [], source: 'agent', status: 'completed', aggregated_output: output, exit_code: 0 },
    }));
    out.push(ev(3, { type: 'exec_command_end', call_id: `feb_${i}`, command: ['echo', String(i)], cwd: '/p', stdout: output, stderr: output, aggregated_output: output, formatted_output: output, exit_code: 1 }));
  });
  out.push(ev(4, { type: 'token_count', info: { total_token_usage: { total_tokens: 1234 } } }));
  out.push(ev(5, { type: 'task_complete', turn_id: TURN }));
  return out;
}

describe('slim lines in the index reads', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ts-slim-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts only the named long strings, to a prefix that still parses to at least the characters the search text keeps', () => {
    for (const output of OUTPUTS) {
      const line = JSON.stringify({ type: 'event_msg', payload: { type: 'exec_command_end', stdout: output, note: output, aggregated_output: output } });
      const text = slimLineText(Buffer.from(line), INDEX_SLIM_KEYS);
      if (Buffer.byteLength(JSON.stringify(output)) - 2 <= SLIM_KEEP_BYTES) {
        assert.equal(text, null, 'nothing long enough to cut');
        continue;
      }
      assert.ok(text !== null);
      const parsed = JSON.parse(text) as { payload: Record<string, string> };
      assert.equal(parsed.payload.note, output, 'a member not named is kept whole');
      for (const key of ['stdout', 'aggregated_output']) {
        const cut = parsed.payload[key];
        assert.ok(output.startsWith(cut.slice(0, -1)), `${key} is a prefix of the output (but for a half surrogate pair at its end)`);
        assert.ok(cut.length >= Math.floor(SLIM_KEEP_BYTES / 6) && cut.length > OUTPUT_CHARS, `${key} keeps ${cut.length} characters`);
      }
    }
  });

  it('leaves lines alone that have no long named string, or are not JSON a reader could use', () => {
    const big = 'z'.repeat(10_000);
    assert.equal(slimLineText(Buffer.from(JSON.stringify({ type: 'event_msg', payload: { type: 'agent_message', message: big } })), INDEX_SLIM_KEYS), null);
    // A key spelled inside a string is escaped there, so it is never taken for a member.
    const inside = JSON.stringify({ type: 'event_msg', payload: { message: `"aggregated_output":"${big}` } });
    assert.equal(slimLineText(Buffer.from(inside), INDEX_SLIM_KEYS), null);
    // A line cut short (no closing quote) is not cut further, and still fails to parse.
    const truncated = Buffer.from(JSON.stringify({ type: 'event_msg', payload: { aggregated_output: big } }).slice(0, 8000));
    assert.equal(slimLineText(truncated, INDEX_SLIM_KEYS), null);
  });

  for (const mode of ['streamed', 'blocking', 'sync'] as const) {
    it(`gives the same metadata and search text as parsing every line in full (${mode} read)`, async () => {
      const text = lines();
      const path = join(dir, `rollout-2026-01-04T02-38-15-${ID}.jsonl`);
      writeFileSync(path, `${text.join('\n')}\n`);
      const parsed = text.map((l) => JSON.parse(l) as RolloutLine);
      const opts = { codexHome: dir, search: true, blocking: mode === 'blocking' };
      const extracted = mode === 'sync' ? extractThreadMetadataSync(path, opts) : await extractThreadMetadata(path, opts);
      assert.ok(extracted);
      assert.equal(extracted.stats.parsedLines, text.length);
      const expected = deriveThreadMetadata(parsed, { path, archived: false, size: extracted.stats.fileSize, mtimeMs: extracted.stats.mtimeMs });
      assert.deepEqual(extracted.metadata, expected);
      const search = searchTextFromLines(parsed);
      assert.ok(search && search.items.length >= OUTPUTS.length * 2, 'every command is in the search text');
      assert.deepEqual(extracted.searchText, search);
    });
  }
});
