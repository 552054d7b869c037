// Damaged and hostile files: every problem is skipped and counted, nothing throws for content.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, openSync, writeSync, closeSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractHeadMetadata, extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { buildHistory } from '../../../src/rollout/history.ts';
import { readHead, streamRollout, RolloutReadError } from '../../../src/rollout/reader.ts';

const ID = '01a2121e-e83b-7081-b133-76ea94c04633';
const NAME = `rollout-2026-11-25T09-52-25-${ID}.jsonl`;
const META = JSON.stringify({ timestamp: '2026-11-25T09:52:25.153Z', type: 'session_meta', payload: { id: ID, timestamp: '2026-11-25T09:52:25.153Z', cwd: '/p', originator: 'x', cli_version: '0.98.0', source: 'cli', model_provider: 'openai' } });
const USER = (text: string) => JSON.stringify({ timestamp: '2026-11-25T09:52:26.000Z', type: 'event_msg', payload: { type: 'user_message', message: text, images: [], local_images: [], text_elements: [] } });
const AGENT = (text: string) => JSON.stringify({ timestamp: '2026-11-25T09:52:27.000Z', type: 'event_msg', payload: { type: 'agent_message', message: text } });

describe('damaged rollouts', () => {
  let home: string;
  let path: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'ts-damage-'));
    mkdirSync(join(home, 'sessions/2026/11/25'), { recursive: true });
    path = join(home, 'sessions/2026/11/25', NAME);
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('skips blank, CRLF, garbage, non-object and unknown lines and counts them', async () => {
    const body = [META, '', '   ', USER('hello') + '\r', '{not json at all', '[1,2,3]', '42', '{"no":"type"}',
      JSON.stringify({ type: 'future_kind', payload: {} }), AGENT('hi there'), ''].join('\n');
    writeFileSync(path, body);
    const stream = streamRollout(path);
    const types: string[] = [];
    for await (const { line } of stream) if (line) types.push(line.type);
    assert.deepEqual(types, ['session_meta', 'event_msg', 'future_kind', 'event_msg']);
    assert.equal(stream.stats.skippedInvalid, 4);
    assert.equal(stream.stats.blankLines, 2);
    assert.equal(stream.stats.truncatedTail, false);
    assert.equal(stream.stats.bytesRead, Buffer.byteLength(body));
    const { metadata, error } = await extractThreadMetadata(path, { codexHome: home });
    assert.equal(error, undefined);
    assert.equal(metadata!.preview, 'hello');
    const { turns } = await buildHistory(path);
    // The unknown line is not a decoded line: the turn opener keeps its 0.169 position.
    assert.equal(turns[0].id, 'rollout-1');
    assert.equal(turns[0].items.length, 2);
  });

  it('drops a truncated last line and flags it', async () => {
    writeFileSync(path, `${META}\n${USER('first')}\n{"timestamp":"2026-11-25T09:52:27.000Z","type":"event_msg","payload":{"type":"user_mess`);
    const stream = streamRollout(path);
    let n = 0;
    for await (const { line } of stream) if (line) n += 1;
    assert.equal(n, 2);
    assert.equal(stream.stats.truncatedTail, true);
    assert.equal(stream.stats.skippedInvalid, 0);
    const { metadata } = await extractThreadMetadata(path, { codexHome: home });
    assert.equal(metadata!.preview, 'first');
  });

  it('reports a 0-byte file as empty, with a file-name based identity', async () => {
    writeFileSync(path, '');
    const result = await extractThreadMetadata(path, { codexHome: home });
    assert.match(result.error!, /empty session file/);
    assert.equal(result.metadata!.id, ID);
    assert.equal(result.metadata!.hasSessionMeta, false);
    assert.deepEqual(await buildHistory(path).then((h) => h.turns), []);
  });

  it('survives a binary file', async () => {
    const bytes = Buffer.alloc(256 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) % 256;
    writeFileSync(path, bytes);
    const result = await extractThreadMetadata(path, { codexHome: home });
    assert.match(result.error!, /is empty/);
    assert.ok(result.stats.skippedInvalid + result.stats.skippedOversize > 0 || result.stats.truncatedTail);
    const head = await extractHeadMetadata(path, { codexHome: home });
    assert.equal(head.metadata!.hasSessionMeta, false);
  });

  it('skips a 20 MB single line without buffering it and keeps the rest', async () => {
    const fd = openSync(path, 'w');
    writeSync(fd, `${META}\n`);
    const chunk = Buffer.alloc(1024 * 1024, 'a');
    writeSync(fd, '{"type":"event_msg","payload":{"type":"agent_message","message":"');
    for (let i = 0; i < 20; i++) writeSync(fd, chunk);
    writeSync(fd, '"}}\n');
    writeSync(fd, `${USER('after the big line')}\n`);
    closeSync(fd);
    const before = process.memoryUsage().rss;
    const stream = streamRollout(path);
    const types: string[] = [];
    for await (const { line } of stream) if (line) types.push(line.type === 'event_msg' ? String((line.payload as { type?: string }).type) : line.type);
    assert.deepEqual(types, ['session_meta', 'user_message']);
    assert.equal(stream.stats.skippedOversize, 1);
    assert.ok(process.memoryUsage().rss - before < 64 * 1024 * 1024);
    const { metadata } = await extractThreadMetadata(path, { codexHome: home });
    assert.equal(metadata!.preview, 'after the big line');
    // The head read stops at its byte cap inside the big line and says so.
    const head = await readHead(path);
    assert.equal(head.sawSessionMeta, true);
    assert.equal(head.sawUserEvent, false);
  });

  it('says why a file without session_meta is unusable', async () => {
    writeFileSync(path, `${USER('orphan')}\n${AGENT('reply')}\n`);
    const result = await extractThreadMetadata(path, { codexHome: home });
    assert.match(result.error!, /rollout at .* is empty/);
    assert.equal(result.metadata!.hasSessionMeta, false);
    assert.equal(result.metadata!.createdAt, Date.UTC(2026, 10, 25, 9, 52, 25) / 1000);
    assert.equal(result.stats.parsedLines, 2);
  });

  it('gives a clear error for a missing file', async () => {
    const result = await extractThreadMetadata(join(home, 'nope.jsonl'), { codexHome: home });
    assert.match(result.error!, /does not exist/);
    assert.equal(result.metadata, null);
    await assert.rejects(buildHistory(join(home, 'nope.jsonl')), RolloutReadError);
  });

  it('extends the head window to 210 lines after session_meta until a user event', async () => {
    const filler = JSON.stringify({ type: 'response_item', payload: { type: 'reasoning', summary: [] } });
    writeFileSync(path, [META, ...Array(150).fill(filler), USER('late prompt'), ''].join('\n'));
    const head = await readHead(path);
    assert.equal(head.sawUserEvent, true);
    assert.equal(head.lines.length, 152);
    writeFileSync(path, [META, ...Array(250).fill(filler), USER('too late'), ''].join('\n'));
    const late = await readHead(path);
    assert.equal(late.sawUserEvent, false);
    assert.equal(late.lines.length, 210);
    const listed = await extractHeadMetadata(path, { codexHome: home });
    assert.equal(listed.metadata!.preview, '');
    writeFileSync(path, [...Array(12).fill(filler), META, USER('x'), ''].join('\n'));
    assert.equal((await readHead(path)).sawSessionMeta, false);
  });
});
