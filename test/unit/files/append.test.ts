import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileWriteError, appendWholeLines } from '../../../src/files/append.ts';
import { openRegularForRead } from '../../../src/files/regular.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

describe('files: all-or-nothing appends confined to the home', () => {
  let root: string;
  let home: string;

  beforeEach(() => {
    root = makeTempDir('ts-append-');
    home = join(root, 'home');
    mkdirSync(join(home, 'sessions'), { recursive: true });
    mkdirSync(join(root, 'outside'));
  });
  afterEach(() => removeDir(root));

  it('appends whole lines, creating the file only when asked', async () => {
    const path = join(home, 'index.jsonl');
    await assert.rejects(appendWholeLines(path, '{"a":1}\n', { home }), (err: FileWriteError) => err.kind === 'invalidInput' && err.message.includes(path));
    await appendWholeLines(path, '{"a":1}\n', { home, create: true });
    await appendWholeLines(path, '{"b":2}\n', { home });
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}\n{"b":2}\n');
  });

  it('starts a new line after a partial last line, so the new record stays whole', async () => {
    const path = join(home, 'index.jsonl');
    writeFileSync(path, '{"a":1}\n{"torn":');
    await appendWholeLines(path, '{"b":2}\n', { home });
    assert.deepEqual(readFileSync(path, 'utf8').split('\n'), ['{"a":1}', '{"torn":', '{"b":2}', '']);
  });

  it('refuses a final symlink, a directory resolving outside the home, and non-regular files, naming the file', async () => {
    const outside = join(root, 'outside', 'victim.jsonl');
    writeFileSync(outside, 'outside\n');
    const link = join(home, 'sessions', 'link.jsonl');
    symlinkSync(outside, link);
    await assert.rejects(appendWholeLines(link, 'x\n', { home }), (err: FileWriteError) => err.kind === 'invalidInput' && /symbolic link/.test(err.message) && err.message.includes(link));
    symlinkSync(join(root, 'outside'), join(home, 'sessions', 'away'));
    await assert.rejects(appendWholeLines(join(home, 'sessions', 'away', 'victim.jsonl'), 'x\n', { home }), /resolves outside the Codex home/);
    assert.equal(readFileSync(outside, 'utf8'), 'outside\n');
    const fifo = join(home, 'fifo.jsonl');
    execFileSync('mkfifo', [fifo]);
    await assert.rejects(appendWholeLines(fifo, 'x\n', { home }), /is a FIFO, not a regular file/);
    await assert.rejects(openRegularForRead(fifo), /is a FIFO, not a regular file/);
    // Unexpected failures stay as thrown (the dispatcher answers them with a generic -32603 and logs the stack).
    await assert.rejects(appendWholeLines(join(home, 'sessions'), 'x\n', { home }), (err: NodeJS.ErrnoException) => err.code === 'EISDIR' && !(err instanceof FileWriteError));
  });
});
