import assert from 'node:assert/strict';
import { join } from 'node:path';
import { finish, makeTempDir, removeDir, row, seed, spawnChild, waitForLine } from './support.ts';

describe('threadstate logs (process)', () => {
  let home: string;
  let path: string;
  before(() => {
    home = makeTempDir();
    path = join(home, 'threadstate-logs_1.sqlite');
    seed(path, Array.from({ length: 50 }, (_, i) => row({ message: `line ${i}` })));
  });
  after(() => removeDir(home));

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`follows until ${signal}, then exits 0`, async () => {
      const child = spawnChild('run-logs.ts', ['--db', path, '--backfill', '3', '--poll-ms', '20']);
      const done = finish(child);
      await waitForLine(child, (l) => l.endsWith(' - line 49'));
      assert.equal(child.exitCode, null, 'still following after the backfill');
      child.kill(signal);
      const result = await done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stderr, '');
      assert.equal(result.stdout.trimEnd().split('\n').length, 3);
      assert.ok(!result.stdout.includes('\x1b['), 'no colours when stdout is not a TTY');
    });
  }

  it('stops quietly with exit 0 once its stdout is closed (EPIPE on the next write)', async () => {
    const child = spawnChild('run-logs.ts', ['--db', path, '--backfill', '5', '--poll-ms', '20']);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    await waitForLine(child, (l) => l.includes('line 49'));
    child.stdout?.destroy();
    // Like `threadstate logs | head`: the reader is gone, and the next record to print ends the command.
    const timer = setInterval(() => seed(path, [row({ message: 'after close' })]), 50);
    const code = await exited.finally(() => clearInterval(timer));
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});
