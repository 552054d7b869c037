// The real Codex 0.169 app-server and a running threadstate (file watches, opted in to
// `thread/index/changed`) on one temp home, and the mutations Codex makes in it, each with what
// threadstate must show afterwards. Used by test/interop/live-codex.test.ts (asserts) and
// scripts/interop/live-with-codex.ts (prints how long each took to show).

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppServerProcess, type Json } from './app-server.ts';
import { makeTempDir, removeDir } from './home.ts';
import { startMockResponses } from './mock-responses.ts';
import { RealCodexProcess } from './real-codex.ts';

const ALL_SOURCES = ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'subAgentReview', 'subAgentCompact', 'subAgentThreadSpawn', 'subAgentOther', 'unknown'];

export interface LivePair {
  root: string;
  home: string;
  threadstate: AppServerProcess;
  codex: RealCodexProcess;
  close(): Promise<void>;
}

export async function startLivePair(codexBin: string): Promise<LivePair> {
  const root = makeTempDir('threadstate-interop-live-');
  const home = join(root, 'home');
  mkdirSync(home);
  // Codex lists a thread only once it has a user message, so the first step runs a turn,
  // answered by this loopback model.
  const model = await startMockResponses();
  const threadstate = new AppServerProcess(home, [], { THREADSTATE_WATCH: '1' });
  const codex = new RealCodexProcess(codexBin, home, join(root, 'user-home'), [`model_providers.realcodex_mock.base_url="${model.baseUrl}"`]);
  const close = async () => {
    await Promise.all([codex.close(), threadstate.close(), model.close()]);
    removeDir(root);
  };
  try {
    await threadstate.initialize({ threadIndexChanges: true });
    await codex.initializeCodex();
  } catch (err) {
    await close();
    throw err;
  }
  return { root, home, threadstate, codex, close };
}

/** Polls `probe` until it holds; returns how long that took, or throws naming `what` after `timeoutMs`. */
export async function waitUntil(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<number> {
  const start = performance.now();
  while (!(await probe())) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

/** What threadstate answers about one thread: its entry in each thread/list, and thread/read. */
export interface ThreadView {
  active: Json | undefined;
  archived: Json | undefined;
  read: Json | null;
  readError: Json | null;
}

export async function viewThread(threadstate: AppServerProcess, id: string): Promise<ThreadView> {
  const list = async (archived: boolean) =>
    ((await threadstate.call('thread/list', { limit: 100, sourceKinds: ALL_SOURCES, archived })).data as Json[]).find((t) => t.id === id);
  const answer = await threadstate.request('thread/read', { threadId: id });
  return { active: await list(false), archived: await list(true), read: answer.error ? null : answer.result.thread, readError: answer.error ?? null };
}

/** Where the thread must be after a step: listed (under one archived value, with a name) or gone. */
export type Expected = { archived: boolean; name: string } | 'deleted';

export function shows(view: ThreadView, expected: Expected): boolean {
  if (expected === 'deleted') return !view.active && !view.archived && view.read === null;
  const listed = expected.archived ? view.archived : view.active;
  const other = expected.archived ? view.active : view.archived;
  const folder = expected.archived ? '/archived_sessions/' : '/sessions/';
  return !!listed && !other && listed.name === expected.name && view.read?.name === expected.name && String(view.read.path).includes(folder);
}

export interface CodexStep {
  label: string;
  /** Makes the change through Codex; `id` is the thread's id ('' before the first step, which returns it). */
  act(codex: RealCodexProcess, id: string, cwd: string): Promise<string>;
  expected: Expected;
  /** The `thread/index/changed` entry for the thread that this step must produce. */
  notified(change: Json): boolean;
}

export const CODEX_STEPS: CodexStep[] = [
  {
    label: 'codex thread/start + turn + thread/name/set',
    act: async (codex, _id, cwd) => {
      const id = (await codex.call('thread/start', { cwd })).thread.id as string;
      const turn = await codex.call('turn/start', { threadId: id, input: [{ type: 'text', text: 'A prompt to Codex', text_elements: [] }] });
      await codex.waitFor((m) => m.method === 'turn/completed' && m.params?.turn?.id === turn.turn.id, 30_000);
      await codex.call('thread/name/set', { threadId: id, name: 'Named by Codex' });
      return id;
    },
    expected: { archived: false, name: 'Named by Codex' },
    notified: (c) => c.archived === false,
  },
  {
    label: 'codex thread/name/set (rename)',
    act: async (codex, id) => (await codex.call('thread/name/set', { threadId: id, name: 'Renamed by Codex' }), id),
    expected: { archived: false, name: 'Renamed by Codex' },
    notified: (c) => c.change === 'changed' && c.archived === false,
  },
  {
    label: 'codex thread/archive',
    act: async (codex, id) => (await codex.call('thread/archive', { threadId: id }), id),
    expected: { archived: true, name: 'Renamed by Codex' },
    notified: (c) => c.change === 'moved' && c.archived === true,
  },
  {
    label: 'codex thread/unarchive',
    act: async (codex, id) => (await codex.call('thread/unarchive', { threadId: id }), id),
    expected: { archived: false, name: 'Renamed by Codex' },
    notified: (c) => c.change === 'moved' && c.archived === false,
  },
  {
    label: 'codex thread/delete',
    act: async (codex, id) => (await codex.call('thread/delete', { threadId: id }), id),
    expected: 'deleted',
    notified: (c) => c.change === 'disappeared' && c.archived === null,
  },
];

/** The `thread/index/changed` entries for `id` received after the first `skip` notifications. */
export function indexChanges(threadstate: AppServerProcess, id: string, skip: number): Json[] {
  return threadstate.notifications('thread/index/changed').slice(skip).flatMap((n: Json) => n.params.changes).filter((c: Json) => c.threadId === id);
}
