// The real app-server with its logs database: records land in it and `threadstate logs` reads
// them; a locked or corrupt logs database never stops the server from starting and answering.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, NODE_BIN, REPO_ROOT } from '../helpers/app-server.ts';
import { servedHome } from '../helpers/served-home.ts';

const LOGS_DB = 'threadstate-logs_1.sqlite';

/**
 * Runs `threadstate logs` (which follows until interrupted) and interrupts it once its output
 * satisfies `done`, or after 15 s: a fixed short wait failed on a loaded machine, where the
 * process had not printed anything yet.
 */
function runLogsUntil(home: string, args: string[], done: (out: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE_BIN, [CLI, 'logs', '--codex-home', home, '--poll-ms', '50', ...args], { cwd: REPO_ROOT });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGINT'), 15_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
      if (done(out)) child.kill('SIGINT');
    });
    child.on('error', reject);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('app-server and its logs database', function () {
  this.timeout(30000);
  const t = servedHome({ from: 'empty', each: true });

  it('writes its records to the logs database, which `threadstate logs --json` reads', async () => {
    const server = t.start(['--log-level', 'warn']);
    await server.initialize();
    server.sendRaw('{this is not json');
    await server.call('thread/list', {});
    assert.equal(await server.close(), 0);
    const out = await runLogsUntil(t.home, ['--json', '--level', 'warn', '--module', 'server.ndjson'], (text) => /not JSON[^\n]*\n/.test(text));
    const rows = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(rows.some((r) => /not JSON/.test(r.message)), out);
  });

  it('starts and answers with a corrupt logs database, leaving the file untouched', async () => {
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(join(t.home, LOGS_DB), garbage);
    const server = t.start();
    const result = await server.initialize();
    assert.equal(result.codexHome, t.home);
    assert.deepEqual((await server.call('thread/list', {})).data, []);
    assert.equal(await server.close(), 0);
    assert.deepEqual(readFileSync(join(t.home, LOGS_DB)), garbage);
  });

  it('starts and answers while another process holds the logs database locked', async () => {
    const locker = spawn(NODE_BIN, [join(REPO_ROOT, 'test/unit/logs/children/lock-db.ts'), join(t.home, LOGS_DB), 'rollback'], { cwd: REPO_ROOT });
    await new Promise<void>((resolve) => locker.stdout.once('data', () => resolve()));
    try {
      const server = t.start();
      const started = Date.now();
      await server.initialize();
      assert.ok(Date.now() - started < 10000);
      assert.deepEqual((await server.call('thread/list', {})).data, []);
      assert.equal(await server.close(), 0);
    } finally {
      locker.stdin.end();
    }
  });
});
