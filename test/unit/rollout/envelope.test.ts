// Long lines whose payload the turn rebuild never reads come back as their envelope only.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deriveThreadMetadata, extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { buildHistory, turnsFromLines } from '../../../src/rollout/history.ts';
import type { RolloutLine } from '../../../src/rollout/lines.ts';
import { streamRollout } from '../../../src/rollout/reader.ts';
import { searchTextFromLines } from '../../../src/rollout/search-text.ts';

const ID = '01a2121e-e83b-7081-b133-76ea94c04655';

function feb(): string[] {
  const at = (s: number) => `2026-02-01T10:00:${String(s).padStart(2, '0')}.000Z`;
  const ev = (s: number, payload: Record<string, unknown>) => JSON.stringify({ timestamp: at(s), type: 'event_msg', payload });
  const item = (s: number, payload: Record<string, unknown>) => JSON.stringify({ timestamp: at(s), type: 'response_item', payload });
  const lines = [JSON.stringify({ timestamp: at(0), type: 'session_meta', payload: { id: ID, timestamp: at(0), cwd: '/p', originator: 'codex_cli_rs', cli_version: '0.98.0', source: 'cli', model_provider: 'openai' } })];
  // Implicit turns (no task_started): their ids count every known line, response items included.
  for (let t = 0; t < 3; t++) {
    lines.push(item(1, { type: 'message', role: 'user', content: [{ type: 'input_text', text: `ask ${t}` }] }));
    lines.push(ev(2, { type: 'user_message', message: `ask ${t}`, images: [], local_images: [], text_elements: [] }));
    lines.push(item(3, { type: 'function_call', name: 'shell', arguments: '{"command":["ls"]}', call_id: `c${t}` }));
    lines.push(item(4, { type: 'function_call_output', call_id: `c${t}`, output: `out "${t}" `.repeat(5000) }));
    lines.push(ev(5, { type: 'agent_message', message: `done ${t}` }));
  }
  return lines;
}

describe('envelope-only lines in the turn rebuild', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'ts-envelope-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the same turns and ids as parsing every line, without parsing the long response items', async () => {
    const lines = feb();
    const path = join(dir, `rollout-2026-02-01T10-00-00-${ID}.jsonl`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const parsed = lines.map((l) => JSON.parse(l) as RolloutLine);
    assert.deepEqual((await buildHistory(path)).turns, turnsFromLines(parsed));

    const seen: RolloutLine[] = [];
    for await (const { line } of streamRollout(path, { envelopeOnly: new Set(['response_item']) })) if (line) seen.push(line);
    assert.equal(seen.length, lines.length);
    const outputs = seen.filter((l, i) => parsed[i].type === 'response_item' && lines[i].length >= 4096);
    assert.equal(outputs.length, 3);
    for (const l of outputs) assert.deepEqual(l, { timestamp: '2026-02-01T10:00:04.000Z', type: 'response_item', payload: null });
  });

  it('gives the same metadata and search text as parsing every line', async () => {
    const lines = feb();
    const path = join(dir, `rollout-2026-02-01T10-00-00-${ID}.jsonl`);
    writeFileSync(path, `${lines.join('\n')}\n`);
    const parsed = lines.map((l) => JSON.parse(l) as RolloutLine);
    const extracted = await extractThreadMetadata(path, { codexHome: dir, search: true });
    assert.equal(extracted.stats.parsedLines, lines.length);
    const expected = deriveThreadMetadata(parsed, { path, archived: false, size: extracted.stats.fileSize, mtimeMs: extracted.stats.mtimeMs });
    assert.deepEqual(extracted.metadata, expected);
    assert.deepEqual(extracted.searchText, searchTextFromLines(parsed));
  });

  it('still parses (and refuses) a long response item cut short, and parses other types in full', async () => {
    const lines = feb();
    const cut = lines[4].slice(0, 6000); // a function_call_output without its end
    const body = [...lines.slice(0, 4), cut, ...lines.slice(5)];
    const path = join(dir, `rollout-2026-02-01T10-00-00-${ID}.jsonl`);
    writeFileSync(path, `${body.join('\n')}\n`);
    const stream = streamRollout(path, { envelopeOnly: new Set(['response_item']) });
    const seen: RolloutLine[] = [];
    for await (const { line } of stream) if (line) seen.push(line);
    assert.equal(stream.stats.skippedInvalid, 1);
    assert.equal(seen.length, body.length - 1);
    // The turn ids follow the lines that parse, as when every line is parsed.
    const parsed = body.flatMap((l) => { try { return [JSON.parse(l) as RolloutLine]; } catch { return []; } });
    assert.deepEqual((await buildHistory(path)).turns, turnsFromLines(parsed));
    const events = seen.filter((l) => l.type === 'event_msg');
    assert.ok(events.every((l) => l.payload !== null));
  });
});
