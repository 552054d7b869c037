import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractHeadMetadata, extractHeadMetadataBlocking } from '../../../src/rollout/extract.ts';
import { readHead, readHeadSync, RolloutReadError } from '../../../src/rollout/reader.ts';
import { FIXTURES, makeTempDir } from '../../helpers/home.ts';

function rolloutsUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...rolloutsUnder(p));
    else if (e.name.endsWith('.jsonl')) out.push(p);
  }
  return out;
}

const meta = JSON.stringify({ timestamp: '2026-02-01T10:00:00.000Z', type: 'session_meta', payload: { id: '01a2121e-e83b-7081-b133-76ea94c04699', timestamp: '2026-02-01T10:00:00.000Z', cwd: '/w', cli_version: '0.98.0', source: 'cli' } });
const user = (text: string) => JSON.stringify({ timestamp: '2026-02-01T10:00:01.000Z', type: 'event_msg', payload: { type: 'user_message', message: text, images: [] } });
const filler = (i: number) => JSON.stringify({ timestamp: '2026-02-01T10:00:00.500Z', type: 'response_item', payload: { type: 'message', role: 'developer', content: [{ type: 'input_text', text: `context ${i} ${'y'.repeat(3000)}` }] } });

/** Files that exercise every branch of the head window and of the tolerant line reader. */
const CASES: Record<string, string | Buffer> = {
  'ordinary.jsonl': `${meta}\n${user('hi')}\n`,
  'crlf and blanks.jsonl': `\r\n${meta}\r\n\r\n${user('hi')}\r\n`,
  'garbage lines.jsonl': `not json\n[1,2]\n${meta}\n{"type":3}\n${user('hi')}\n`,
  'cut last line.jsonl': `${meta}\n${user('hi').slice(0, 40)}`,
  'last line without newline.jsonl': `${meta}\n${user('hi')}`,
  'empty.jsonl': '',
  'only blanks.jsonl': '\n\n  \n',
  'binary.jsonl': Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7919) % 256)),
  'user message far down.jsonl': `${meta}\n${Array.from({ length: 150 }, (_, i) => filler(i)).join('\n')}\n${user('late')}\n`,
  'no user message in 210 lines.jsonl': `${meta}\n${Array.from({ length: 260 }, (_, i) => filler(i)).join('\n')}\n${user('too late')}\n`,
  'head cap in a line.jsonl': `${meta}\n${filler(0).replace('context', 'z'.repeat(1_200_000))}\n${user('after')}\n`,
  'line across chunk ends.jsonl': `${Array.from({ length: 3 }, (_, i) => filler(i)).join('\n')}\n${meta.replace('"/w"', `"/${'w'.repeat(70_000)}"`)}\n${user('hi')}\n`,
};

describe('rollout: synchronous head read', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir('threadstate-head-');
    for (const [name, body] of Object.entries(CASES)) writeFileSync(join(dir, name), body);
    mkdirSync(join(dir, 'a directory.jsonl'));
  });

  for (const name of Object.keys(CASES)) {
    it(`reads the same lines and stats as the async head read: ${name}`, async () => {
      const path = join(dir, name);
      assert.deepEqual(readHeadSync(path), await readHead(path));
      assert.deepEqual(await extractHeadMetadataBlocking(path, { codexHome: dir }), await extractHeadMetadata(path, { codexHome: dir }));
    });
  }

  it('stops at the head window: a user message past 210 lines is not seen, one at line 150 is', () => {
    assert.equal(readHeadSync(join(dir, 'no user message in 210 lines.jsonl')).sawUserEvent, false);
    const late = readHeadSync(join(dir, 'user message far down.jsonl'));
    assert.equal(late.sawUserEvent, true);
    assert.ok(late.stats.bytesRead < statSync(join(dir, 'user message far down.jsonl')).size + 1);
    const capped = readHeadSync(join(dir, 'head cap in a line.jsonl'));
    assert.equal(capped.stats.capped, true);
    assert.ok(capped.stats.bytesRead <= 1024 * 1024);
  });

  it('matches the async read on every real fixture rollout', async () => {
    const files = rolloutsUnder(FIXTURES);
    assert.ok(files.length > 20);
    for (const f of files) assert.deepEqual(readHeadSync(f), await readHead(f), f);
  });

  it('throws a RolloutReadError for a missing file and for a directory, as the async read does', async () => {
    for (const path of [join(dir, 'missing.jsonl'), join(dir, 'a directory.jsonl')]) {
      const sync = (() => { try { readHeadSync(path); return null; } catch (err) { return err; } })();
      assert.ok(sync instanceof RolloutReadError, String(sync));
      await assert.rejects(readHead(path), (err: unknown) => err instanceof RolloutReadError && err.code === (sync as RolloutReadError).code);
      const extracted = await extractHeadMetadataBlocking(path, { codexHome: dir });
      assert.equal(extracted.metadata, null);
      assert.match(extracted.error ?? '', /does not exist|not a file/);
    }
  });
});
