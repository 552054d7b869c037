// The front in front of the real Codex 0.169 app-server (offline: the fixture home's provider
// points at a closed port), over unix:// and with `threadstate daemon`: the upstream's
// userAgent, routing by what Codex has loaded, a killed upstream restarted on the next request,
// Codex's writes readable from the index at once, no Codex left behind by a front killed with
// SIGKILL, and a missing Codex reported by name while history keeps working.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CLI, NODE_BIN, REPO_ROOT } from '../helpers/app-server.ts';
import { codexBinary } from '../helpers/codex.ts';
import { commandLine, descendants, isRunning } from '../helpers/processes.ts';
import { servedHome } from '../helpers/served-home.ts';
import { waitUntil } from '../helpers/wait.ts';
import { WsClient } from '../helpers/ws-client.ts';

const run = promisify(execFile);

function upstreamPid(stderr: string): number {
  const matches = [...stderr.matchAll(/started the upstream Codex app-server .*"pid":(\d+)/g)];
  assert.ok(matches.length > 0, `no upstream start in the log:\n${stderr}`);
  return Number(matches[matches.length - 1][1]);
}

describe('Codex front with the real Codex app-server', function () {
  this.timeout(120000);
  const t = servedHome({ each: true });
  const sock = () => join(t.root, 'front.sock');
  /** The front on a unix socket before the real Codex, logging at `level` (the tests read its log). */
  const startFront = (level: 'debug' | 'info', env: NodeJS.ProcessEnv = {}) => t.listen(
    ['--listen', `unix://${sock()}`, '--upstream', `${codexBinary()} app-server`, '--log-level', level],
    { env: { THREADSTATE_LOG: level, REALCODEX_API_KEY: 'offline', ...env } },
  );

  it("relays to a Codex it starts: Codex's userAgent, history from the index, loaded threads from Codex, restart after a crash", async () => {
    const { server, target } = await startFront('debug');
    const client = await WsClient.connect(target);
    const init = await client.initialize('codex-tui');
    assert.match(init.userAgent, /^codex-tui\/0\.169\.0 /);
    assert.ok((await client.call('account/read', {})).requiresOpenaiAuth !== undefined);
    const page = await client.call('thread/list', { limit: 25, sourceKinds: ['cli', 'vscode'], sortKey: 'updated_at' });
    assert.ok(page.data.length > 0);
    assert.match(server.stderr, /answered from the index .*"method":"thread\/list"/);
    const started = await client.call('thread/start', {});
    const read = await client.call('thread/read', { threadId: started.thread.id });
    assert.equal(read.thread.id, started.thread.id);
    assert.match(server.stderr, /forwarded upstream .*"method":"thread\/read"/);

    process.kill(upstreamPid(server.stderr), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    const history = await client.call('thread/list', { limit: 2 });
    assert.equal(history.data.length, 2);
    const afterCrash = await client.call('account/read', {});
    assert.ok(afterCrash.requiresOpenaiAuth !== undefined, 'the upstream came back');
    assert.equal((server.stderr.match(/started the upstream Codex app-server/g) ?? []).length, 2);
    await client.close();
    assert.equal(await server.stop(), 0);
    assert.equal(existsSync(sock()), false);
  });

  it("a client reads the upstream's writes back from the index at once, with no file watch to tell it", async () => {
    // Periodic checks far apart: only the front's own report of the writes can bring them in.
    const { server, target } = await startFront('info', { THREADSTATE_WATCH: '0', THREADSTATE_POLL_MS: '600000', THREADSTATE_RECONCILE_MS: '600000' });
    const client = await WsClient.connect(target);
    await client.initialize('codex-tui');
    await waitUntil(() => server.stderr.includes('index is up to date with the rollouts'), 'the start-up indexing', 30000);
    const [first, second] = (await client.call('thread/list', { limit: 2 })).data;

    await client.call('thread/archive', { threadId: first.id });
    const archived = await client.call('thread/list', { limit: 100, archived: true });
    assert.ok(archived.data.some((t: { id: string }) => t.id === first.id), 'the archived thread is listed among the archived');
    const active = await client.call('thread/list', { limit: 100 });
    assert.ok(!active.data.some((t: { id: string }) => t.id === first.id), 'and not among the active');

    await client.call('thread/name/set', { threadId: second.id, name: 'Renamed through the front' });
    const renamed = await client.call('thread/list', { limit: 100 });
    assert.equal(renamed.data.find((t: { id: string }) => t.id === second.id)?.name, 'Renamed through the front');
    // Another connection (the TUI opens one per picker) sees it too.
    const other = await WsClient.connect(target);
    await other.initialize('codex-tui');
    assert.equal((await other.call('thread/read', { threadId: second.id })).thread.name, 'Renamed through the front');
    await other.close();
    await client.close();
    assert.equal(await server.stop(), 0);
  });

  it('a front killed with SIGKILL takes the Codex it started with it (launcher and native binary)', async () => {
    const { server, target } = await startFront('info');
    const client = await WsClient.connect(target);
    await client.initialize('codex-tui');
    const codexPid = upstreamPid(server.stderr);
    const started = descendants(server.child.pid!);
    const codexProcesses = started.filter((pid) => commandLine(pid).includes('app-server --listen'));
    assert.ok(codexProcesses.includes(codexPid), `the launcher runs under the front: ${started.map(commandLine).join(' | ')}`);
    assert.ok(codexProcesses.some((pid) => /\/vendor\/.*\/codex app-server/.test(commandLine(pid))), 'so does the native binary');

    server.child.kill('SIGKILL');
    await server.exited;
    await waitUntil(() => !started.some(isRunning), 'the processes under the front to end', 10000).catch(() => undefined);
    const left = started.filter(isRunning);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // never leave them behind, even when failing
    assert.deepEqual(left.map(commandLine), [], 'nothing the front started outlives it');
    await client.closed;
  });

  it('without Codex installed: serves history and names what is missing for the rest', async () => {
    const { target } = await t.listen(['--listen', 'ws://127.0.0.1:0', '--upstream', 'no-such-codex-binary app-server']);
    const client = await WsClient.connect(target);
    const init = await client.initialize();
    assert.equal(init.codexHome, t.home);
    const page = await client.call('thread/list', { limit: 3 });
    assert.equal(page.data.length, 3);
    assert.equal((await client.call('thread/read', { threadId: page.data[0].id })).thread.id, page.data[0].id);
    const unknown = await client.request('thread/read', { threadId: '01a23488-0000-7000-8000-000000000001' });
    assert.equal(unknown.error.code, -32600, "threadstate's own error when there is no upstream to ask");
    const account = await client.request('account/read', {});
    assert.equal(account.error.code, -32603);
    assert.match(account.error.message, /account\/read needs the Codex app-server .*Codex is not installed: 'no-such-codex-binary' was not found/);
    await client.close();
  });

  it('daemon start|status|stop serves on the control socket and refuses a socket a live Codex server holds', async () => {
    const daemonHome = t.home;
    const codex = codexBinary();
    const env = { ...process.env, THREADSTATE_LOG: 'warn', REALCODEX_API_KEY: 'offline' };
    const cli = (...args: string[]) => run(NODE_BIN, [CLI, 'daemon', ...args, '--codex-home', daemonHome], { cwd: REPO_ROOT, env }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
    const socket = join(daemonHome, 'app-server-control', 'app-server-control.sock');
    try {
      const started = await cli('start', '--upstream', `${codex} app-server`);
      assert.equal(started.code, 0, started.stderr);
      const status = await cli('status');
      assert.equal(status.code, 0);
      const report = JSON.parse(status.stdout);
      assert.equal(report.status, 'running');
      assert.match(report.userAgent, /\/0\.169\.0 /);
      const client = await WsClient.connect({ kind: 'unix', path: socket });
      await client.initialize('codex-tui');
      assert.ok((await client.call('thread/list', { limit: 5 })).data.length > 0);
      await client.close();
      const stopped = await cli('stop');
      assert.equal(stopped.code, 0);
      assert.equal(existsSync(socket), false);
      assert.equal((await cli('status')).code, 3);

      // Codex's own server on the control socket: the daemon must not take it over.
      const codexServer = await import('node:child_process').then(({ spawn }) => spawn(codex, ['app-server', '--listen', 'unix://'], { env: { ...env, CODEX_HOME: daemonHome }, stdio: 'ignore' }));
      try {
        const deadline = Date.now() + 30000;
        while (!(await cli('status')).stdout.includes('"foreign"')) {
          assert.ok(Date.now() < deadline, 'Codex did not listen on the control socket');
          await new Promise((r) => setTimeout(r, 200));
        }
        const refused = await cli('start', '--upstream', `${codex} app-server`);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /refusing to take it over/);
      } finally {
        codexServer.kill('SIGTERM');
        await new Promise((r) => codexServer.once('exit', r));
      }
    } finally {
      await cli('stop');
    }
  });
});
