// threadstate following a home that the real Codex 0.169 app-server changes: Codex starts a
// thread, names it, archives, unarchives and deletes it while a threadstate server (file watches,
// opted in to thread/index/changed) serves the same home. Prints what threadstate answered after
// each step and how long it took to show; exits 1 when a step never shows.
//
//   node scripts/interop/live-with-codex.ts [--codex PATH]   (default: scripts/interop/install-codex.sh's launcher)

import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { AppServerProcess, REPO_ROOT, type Json } from '../../test/helpers/app-server.ts';
import { RpcChild } from '../rpc-child.ts';
import { makeTempDir, removeDir } from '../../test/helpers/home.ts';

class CodexServer extends RpcChild {
  constructor(codex: string, home: string) {
    // No request here reaches a model: the key only satisfies the start-up checks.
    super(spawn(codex, ['app-server'], { env: { ...process.env, CODEX_HOME: home, OPENAI_API_KEY: 'sk-interop-unused' } }), 'codex');
    this.child.stderr.resume();
  }

  close(): void {
    this.child.stdin.end();
    this.child.kill();
  }
}

async function until(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<number | null> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await probe()) return performance.now() - start;
    await new Promise((r) => setTimeout(r, 10));
  }
  return null;
}

const { values } = parseArgs({ options: { codex: { type: 'string' } } });
const codexBin = values.codex ?? execFileSync('bash', [join(REPO_ROOT, 'scripts/interop/install-codex.sh')], { encoding: 'utf8' }).trim().split('\n').pop()!;
const root = makeTempDir('threadstate-interop-live-');
const home = join(root, 'home');
mkdirSync(home);
const threadstate = new AppServerProcess(home, [], { THREADSTATE_WATCH: '1' });
const codex = new CodexServer(codexBin, home);
let failed = 0;
try {
  await threadstate.initialize({ threadIndexChanges: true });
  await codex.call('initialize', { clientInfo: { name: 'interop', title: null, version: '1' } });
  const read = async (id: string): Promise<Json | null> => {
    const answer = await threadstate.request('thread/read', { threadId: id });
    return answer.error ? null : answer.result.thread;
  };
  const step = async (label: string, act: () => Promise<unknown>, shown: () => Promise<boolean>): Promise<void> => {
    const before = threadstate.notifications('thread/index/changed').length;
    await act();
    const lag = await until(shown);
    await new Promise((r) => setTimeout(r, 300)); // notifications are coalesced over 50 ms
    const notes = threadstate.notifications('thread/index/changed').slice(before).flatMap((n: Json) => n.params.changes);
    if (lag === null) failed++;
    console.log(`${label.padEnd(34)} ${lag === null ? 'NOT SHOWN after 10 s' : `shown after ${lag.toFixed(0)} ms`}; thread/index/changed: ${JSON.stringify(notes.map((c: Json) => c.change + (c.archived === null ? '' : c.archived ? ' (archived)' : ' (active)')))}`);
  };

  let id = '';
  await step('codex thread/start + thread/name/set', async () => {
    id = (await codex.call('thread/start', { cwd: root })).thread.id;
    await codex.call('thread/name/set', { threadId: id, name: 'Named by Codex' });
  }, async () => (await read(id))?.name === 'Named by Codex');
  await step('codex thread/name/set (rename)', () => codex.call('thread/name/set', { threadId: id, name: 'Renamed by Codex' }),
    async () => (await read(id))?.name === 'Renamed by Codex');
  await step('codex thread/archive', () => codex.call('thread/archive', { threadId: id }),
    async () => ((await read(id))?.path ?? '').includes('/archived_sessions/'));
  await step('codex thread/unarchive', () => codex.call('thread/unarchive', { threadId: id }),
    async () => ((await read(id))?.path ?? '').includes('/sessions/'));
  await step('codex thread/delete', () => codex.call('thread/delete', { threadId: id }), async () => (await read(id)) === null);
  if (/SQLITE_BUSY|database is locked/i.test(threadstate.stderr)) {
    failed++;
    console.log('threadstate logged a busy database');
  }
} finally {
  codex.close();
  await threadstate.close();
  removeDir(root);
}
console.log(failed === 0 ? 'every step showed' : `${failed} step(s) never showed`);
process.exitCode = failed === 0 ? 0 : 1;
