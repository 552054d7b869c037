// The real Codex 0.169 TUI against the front (`codex --remote unix://…`), in tmux, offline: the
// upstream Codex app-server talks to a loopback mock of the Responses API. Start-up, a turn, the
// resume picker served by threadstate, typed search, archive with Ctrl-A, resume, and what
// threadstate's thread/list says afterwards.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, REPO_ROOT } from '../helpers/app-server.ts';
import { codexBinary } from '../helpers/codex.ts';
import { copyFixtureHome, removeDir } from '../helpers/home.ts';
import { ListenerProcess } from '../helpers/listener-process.ts';
import type { ResponsesMock } from '../helpers/responses-mock.ts';
import type { TmuxSession } from '../helpers/tmux.ts';
import { pointAtMock, servedFromIndex, startTui, startTuiFront, stopTuiFront } from '../helpers/tui-front.ts';
import { waitUntil } from '../helpers/wait.ts';
import { WsClient } from '../helpers/ws-client.ts';

const TICKET = 'Please use the lookup_ticket tool to check ticket RC-42.';
const RELEASE = 'Draft a release note for version 1.2.';
const PROMPT = 'Say hello through the threadstate front';

describe('the real Codex TUI through the front', function () {
  this.timeout(240000);
  let mock: ResponsesMock;
  let home: string;
  let dir: string;
  let front: ListenerProcess;
  let tui: TmuxSession | null = null;

  before(async () => {
    ({ mock, home, dir, front, tui } = await startTuiFront('threadstate-tui'));
  });
  after(() => stopTuiFront({ mock, home, dir, front, tui: tui ?? undefined }));

  it('starts, runs a turn against the mock, and the picker served by threadstate searches, archives and resumes', async () => {
    const t = tui!;
    await t.waitForScreen((s) => s.includes('Ask Codex to do anything'), 'the composer', 90000);

    await t.type(PROMPT);
    t.press('Enter');
    await t.waitForScreen((s) => /MOCK-ANSWER \d+/.test(s), 'the mock answer of the first turn', 60000);

    const listsBefore = servedFromIndex(front.stderr, 'thread/list');
    await t.type('/resume');
    t.press('Enter');
    const picker = await t.waitForScreen((s) => s.includes('Resume a previous session') && s.includes(TICKET) && s.includes(PROMPT), 'the picker with the fixture threads and the new one', 30000);
    assert.ok(picker.includes('Release notes v1.2'), picker);
    await waitUntil(() => servedFromIndex(front.stderr, 'thread/list') > listsBefore, 'the front to log the picker pages it answered');

    await t.type('lookup_ticket');
    const found = await t.waitForScreen((s) => s.includes('Search: lookup_ticket') && s.includes(TICKET), 'the search hit');
    assert.ok(!found.includes('Release notes v1.2'), 'the search filters the other threads out');
    t.press('C-a');
    await t.waitForScreen((s) => s.includes('Search: lookup_ticket') && !s.includes(TICKET), 'the archived row to leave the picker').catch((err: Error) => {
      throw new Error(`${err.message}\nfront log:\n${front.stderr.split('\n').filter((l) => /archive|WARN|ERROR/.test(l)).slice(-20).join('\n')}`);
    });
    await waitUntil(() => /forwarded upstream .*"method":"thread\/archive"/.test(front.stderr), 'thread/archive forwarded');

    t.press('Escape');
    await new Promise((r) => setTimeout(r, 500));
    await t.type('Release');
    await t.waitForScreen((s) => s.includes('Search: Release') && s.includes('Release notes v1.2'), 'the release thread');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes(RELEASE) && s.includes('Mock answer to: Draft a release note'), 'the resumed history');
    await waitUntil(() => /forwarded upstream .*"method":"thread\/resume"/.test(front.stderr), 'thread/resume forwarded');

    const answersBefore = mock.requests.filter((r) => r.method === 'POST').length;
    await t.type('One more turn on the resumed thread');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('One more turn on the resumed thread') && (s.match(/MOCK-ANSWER \d+/g) ?? []).length >= 1, 'the answer on the resumed thread', 60000);
    assert.ok(mock.requests.filter((r) => r.method === 'POST').length > answersBefore);
    assert.equal(mock.requests.filter((r) => r.method === 'CONNECT').every((r) => r.url !== `127.0.0.1:${mock.port}`), true);

    // threadstate's own view afterwards: the new thread listed, the archived one only among the archived.
    const client = await WsClient.connect({ kind: 'unix', path: join(dir, 'front.sock') });
    await client.initialize();
    const kinds = ['cli', 'vscode', 'exec', 'appServer'];
    let active: Array<{ preview: string }> = [];
    const deadline = Date.now() + 10000;
    do {
      active = (await client.call('thread/list', { limit: 100, archived: false, sourceKinds: kinds })).data;
    } while ((!active.some((t) => t.preview === PROMPT) || active.some((t) => t.preview === TICKET)) && Date.now() < deadline && (await new Promise((r) => setTimeout(r, 200)), true));
    const archived: Array<{ preview: string }> = (await client.call('thread/list', { limit: 100, archived: true, sourceKinds: kinds })).data;
    assert.ok(active.some((t) => t.preview === PROMPT), `the new thread is listed: ${active.map((t) => t.preview).join(' | ')}`);
    assert.ok(!active.some((t) => t.preview === TICKET), 'the archived thread left the active list');
    assert.ok(archived.some((t) => t.preview === TICKET), 'the archived thread is among the archived');
    await client.close();
  });

  it('plain `codex` (no --remote) attaches to `threadstate daemon` on the control socket: picker from threadstate, resume', async () => {
    const codex = codexBinary();
    const daemonHome = copyFixtureHome('codex-0.169.0');
    pointAtMock(daemonHome, mock);
    const env = { ...process.env, ...mock.env(), THREADSTATE_LOG: 'warn' };
    const daemon = (action: string, ...args: string[]) => execFileSync(process.execPath, [CLI, 'daemon', action, '--codex-home', daemonHome, ...args], { cwd: REPO_ROOT, env, encoding: 'utf8' });
    const logFile = join(daemonHome, 'app-server-control', 'threadstate-daemon.log');
    let session: TmuxSession | null = null;
    try {
      daemon('start', '--upstream', `${codex} app-server`, '--log-level', 'debug');
      // `resume --all`: the attached picker filters by the local cwd otherwise, where no fixture thread lives.
      session = startTui('threadstate-tui-daemon', dir, daemonHome, 'resume --all', mock.env());
      await session.waitForScreen((s) => s.includes('Resume a previous session') && s.includes('Release notes v1.2'), 'the attached picker', 90000);
      await waitUntil(() => servedFromIndex(readFileSync(logFile, 'utf8'), 'thread/list') > 0, 'the daemon to log the picker pages it answered');
      await session.type('Release');
      await session.waitForScreen((s) => s.includes('Search: Release') && !s.includes(TICKET), 'the search hit');
      session.press('Enter');
      // Attached (not --remote), the TUI asks which directory to use; the session's does not exist here.
      await session.waitForScreen((s) => s.includes('Use current directory'), 'the working-directory question', 30000);
      session.press('Down');
      await new Promise((r) => setTimeout(r, 300));
      session.press('Enter');
      await session.waitForScreen((s) => s.includes(RELEASE) && s.includes('Mock answer to: Draft a release note'), 'the resumed history', 60000);
      await waitUntil(() => /forwarded upstream .*"method":"thread\/resume"/.test(readFileSync(logFile, 'utf8')), 'thread/resume forwarded by the daemon');
    } finally {
      session?.kill();
      daemon('stop');
      removeDir(join(daemonHome, '..'));
    }
  });

  it('connects over ws:// with --remote-auth-token-env to a front that requires the token', async () => {
    const codex = codexBinary();
    const token = `tok-${process.pid}-${Date.now()}`;
    const { server, target } = await ListenerProcess.start(home, ['--listen', 'ws://127.0.0.1:0', '--upstream', `${codex} app-server`, '--auth-token-env', 'TS_FRONT_TOKEN', '--log-level', 'debug'], { THREADSTATE_LOG: 'debug', TS_FRONT_TOKEN: token, ...mock.env() });
    let session: TmuxSession | null = null;
    try {
      const url = (target as { url: string }).url;
      session = startTui('threadstate-tui-ws', dir, home, `--remote ${url} --remote-auth-token-env TS_FRONT_TOKEN`, { TS_FRONT_TOKEN: token, ...mock.env() });
      await session.waitForScreen((s) => s.includes('Ask Codex to do anything'), 'the composer over ws://', 90000);
      await session.type('/resume');
      session.press('Enter');
      await session.waitForScreen((s) => s.includes('Resume a previous session') && s.includes('Release notes v1.2'), 'the picker over ws://');
      await waitUntil(() => servedFromIndex(server.stderr, 'thread/list') > 0, 'the front to log the picker pages it answered');
      assert.doesNotMatch(server.stderr, /refused an upgrade/);
    } finally {
      session?.kill();
      await server.stop();
    }
  });
});
