// The real Codex 0.169 TUI's history views against the front (`codex --remote unix://…`, tmux,
// offline: the upstream Codex app-server talks to a loopback Responses mock), on a home holding
// both 0.169 threads and older-format (0.98) threads: the resume picker's expand (Ctrl-E) and
// transcript (Ctrl-T) answered by threadstate, resume, and the transcript of the resumed thread.
// Every expected text is read from the rollouts themselves.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ListenerProcess } from '../helpers/listener-process.ts';
import type { ResponsesMock } from '../helpers/responses-mock.ts';
import type { TmuxSession } from '../helpers/tmux.ts';
import { addFixtureSessions, forwardedUpstream, servedFromIndex, startTuiFront, stopTuiFront } from '../helpers/tui-front.ts';
import { waitUntil } from '../helpers/wait.ts';

/** A prompt both fixture eras recorded: a shell command, its output, reasoning and an answer. */
const PROMPT = 'Run the command that prints the files here in the shell.';
const LOAD_ERROR = 'Could not load transcript preview';
const TRANSCRIPT_TITLE = 'T R A N S C R I P T';

interface RolloutFacts {
  id: string;
  era: 'new' | 'old';
  /** The last assistant message, as far as the screen shows it without wrapping. */
  answer: string;
  /** The reasoning summary (shown in transcripts only). */
  reasoning: string;
  /** The shell command the model ran. */
  command: string;
}

function rolloutFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name.startsWith('rollout-')).map((e) => join(e.parentPath, e.name));
}

/** What the TUI should show for the thread whose first prompt is PROMPT, read from its rollout. */
function factsOf(path: string): RolloutFacts | null {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { type: string; payload: Record<string, any> }); // eslint-disable-line @typescript-eslint/no-explicit-any
  const items = lines.filter((l) => l.type === 'response_item').map((l) => l.payload);
  const texts = (role: string) => items.filter((p) => p.type === 'message' && p.role === role).flatMap((p) => (p.content as Array<{ text?: string }>).map((c) => c.text ?? ''));
  if (!texts('user').includes(PROMPT)) return null;
  const meta = lines[0].payload;
  const call = items.find((p) => p.type === 'function_call');
  const reasoning = items.find((p) => p.type === 'reasoning');
  const answers = texts('assistant');
  return {
    id: String(meta.id),
    era: meta.cli_version === '0.98.0' ? 'old' : 'new',
    answer: answers[answers.length - 1].slice(0, 60),
    reasoning: String(reasoning?.summary?.[0]?.text ?? ''),
    command: String(JSON.parse(String(call?.arguments ?? '{}')).cmd ?? ''),
  };
}

/** The session id an expanded picker row shows. */
function expandedSession(screen: string): string | null {
  return /Session:\s+([0-9a-f-]{36})/.exec(screen)?.[1] ?? null;
}

describe('the real Codex TUI: expand, transcript and resume answered by threadstate', function () {
  this.timeout(300000);
  let mock: ResponsesMock;
  let home: string;
  let dir: string;
  let front: ListenerProcess;
  let tui: TmuxSession | null = null;
  let newThread: RolloutFacts;
  let oldThread: RolloutFacts;

  before(async () => {
    ({ mock, home, dir, front, tui } = await startTuiFront('threadstate-tui-history', (fixture) => {
      addFixtureSessions(fixture, 'codex-0.98.0');
      const facts = rolloutFiles(join(fixture, 'sessions')).map(factsOf).filter((f): f is RolloutFacts => f !== null);
      newThread = facts.find((f) => f.era === 'new')!;
      oldThread = facts.find((f) => f.era === 'old')!;
      assert.ok(newThread && oldThread, 'both eras hold the shell thread');
      assert.notEqual(newThread.answer, oldThread.answer, 'the two answers tell the threads apart (their tool output chunk ids differ)');
    }));
  });
  after(() => stopTuiFront({ mock, home, dir, front, tui: tui ?? undefined }));

  /** Opens the picker filtered to the shell threads of both eras. */
  async function openPicker(t: TmuxSession): Promise<void> {
    await t.type('/resume');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('Resume a previous session') && s.includes(PROMPT), 'the picker', 30000);
    await t.type('Run the command');
    await t.waitForScreen((s) => s.includes('Search: Run the command') && s.split(PROMPT).length - 1 === 2, 'both shell threads, alone');
  }

  /**
   * Expands the selected row (Ctrl-E) and returns its thread id once its conversation has loaded.
   * The selected row is marked `›`, or `⌄` when it is the expanded one; Ctrl-E toggles, so a row
   * already expanded is left as it is.
   */
  async function expand(t: TmuxSession): Promise<string> {
    const selectedExpanded = (s: string) => s.includes('\u2304') && !s.includes('\u203a');
    if (!selectedExpanded(t.screen())) t.press('C-e');
    const screen = await t.waitForScreen((s) => s.includes(LOAD_ERROR) || (selectedExpanded(s) && expandedSession(s) !== null && s.includes('Conversation:') && !s.includes('Loading recent transcript')), 'the expanded row');
    assert.ok(!screen.includes(LOAD_ERROR), screen);
    return expandedSession(screen)!;
  }

  /** Moves the selection to `target`, expanding rows to learn which is which. */
  async function select(t: TmuxSession, target: RolloutFacts): Promise<void> {
    let id = await expand(t);
    for (let moves = 0; id !== target.id && moves < 2; moves++) {
      t.press(moves === 0 ? 'Down' : 'Up');
      await new Promise((r) => setTimeout(r, 300));
      id = await expand(t);
    }
    assert.equal(id, target.id, 'the shell thread to resume is among the two rows');
  }

  /** Opens the picker's transcript of the selected row (Ctrl-T), checks it, closes it. */
  async function pickerTranscript(t: TmuxSession, thread: RolloutFacts): Promise<void> {
    t.press('C-t');
    const screen = await t.waitForScreen((s) => s.includes(TRANSCRIPT_TITLE) && (s.includes(thread.answer) || s.includes(LOAD_ERROR)), `the transcript of the ${thread.era} thread`);
    assert.ok(!screen.includes(LOAD_ERROR), screen);
    assert.ok(screen.includes(PROMPT), screen);
    assert.ok(screen.includes(thread.reasoning), `the reasoning summary is in the transcript:\n${screen}`);
    if (thread.era === 'new') assert.ok(screen.includes(`$ ${thread.command}`), `the command is in the transcript:\n${screen}`);
    t.press('q');
    await t.waitForScreen((s) => s.includes('Search: Run the command') && !s.includes(TRANSCRIPT_TITLE), 'the picker again');
  }

  it('expands both eras\' threads and shows their transcripts in the picker, from the index', async () => {
    const t = tui!;
    await t.waitForScreen((s) => s.includes('Ask Codex to do anything'), 'the composer', 90000);
    await openPicker(t);
    const log = () => front.stderr;
    const before = { read: servedFromIndex(log(), 'thread/read'), items: servedFromIndex(log(), 'thread/items/list'), turns: servedFromIndex(log(), 'thread/turns/list') };
    const forwardedBefore = ['thread/read', 'thread/items/list', 'thread/turns/list'].map((m) => forwardedUpstream(log(), m));

    // Expand the top row, then the other: each shows its own rollout's items.
    const seen = new Map<string, string>();
    let id = await expand(t);
    seen.set(id, t.screen());
    t.press('Down');
    await new Promise((r) => setTimeout(r, 300));
    id = await expand(t);
    seen.set(id, t.screen());
    assert.deepEqual([...seen.keys()].sort(), [newThread.id, oldThread.id].sort(), 'the two rows are the two eras\' shell threads');
    for (const thread of [newThread, oldThread]) {
      const screen = seen.get(thread.id)!;
      const preview = screen.slice(screen.indexOf('Conversation:'));
      assert.ok(preview.includes(PROMPT) && preview.includes(thread.answer), `the expanded ${thread.era} thread shows its rollout's items:\n${screen}`);
      assert.ok(!screen.includes(LOAD_ERROR), screen);
    }
    // The 0.169 thread's expand reads thread/items/list (entries); the TUI reads an older-format
    // thread with thread/read instead. threadstate answered all of it, nothing went upstream.
    await waitUntil(() => servedFromIndex(log(), 'thread/items/list') > before.items, 'the front to log the expand\'s thread/items/list');
    assert.ok(servedFromIndex(log(), 'thread/read') >= before.read + 2);

    // The transcripts of the selected (second) row and of the first.
    await pickerTranscript(t, id === newThread.id ? newThread : oldThread);
    t.press('Up');
    await new Promise((r) => setTimeout(r, 300));
    await pickerTranscript(t, id === newThread.id ? oldThread : newThread);
    await waitUntil(() => servedFromIndex(log(), 'thread/turns/list') > before.turns, 'the front to log the transcript\'s thread/turns/list');
    assert.ok(servedFromIndex(log(), 'thread/items/list') >= before.items + 2, 'expand and transcript of the 0.169 thread each read thread/items/list from the index');
    assert.deepEqual(['thread/read', 'thread/items/list', 'thread/turns/list'].map((m) => forwardedUpstream(log(), m)), forwardedBefore, 'the picker\'s history reads never went upstream');
    assert.doesNotMatch(log(), /answered from the index .*"ok":false/);
    assert.doesNotMatch(log(), /state discrepancy/, 'the front read every thread from its index (built at start-up)');
  });

  it('resumes the 0.169 thread with its history pages from the index, and opens its transcript', async () => {
    const t = tui!;
    const log = () => front.stderr;
    const before = { items: servedFromIndex(log(), 'thread/items/list'), turns: servedFromIndex(log(), 'thread/turns/list'), resume: forwardedUpstream(log(), 'thread/resume') };
    await select(t, newThread);
    t.press('Enter');
    const history = await t.waitForScreen((s) => s.includes('Ask Codex to do anything') && s.includes(newThread.answer), 'the resumed history', 60000);
    assert.ok(history.includes(PROMPT) && history.includes(`Ran ${newThread.command}`), history);
    await waitUntil(() => forwardedUpstream(log(), 'thread/resume') > before.resume, 'thread/resume forwarded');
    // The resume's pages ask with the cursors the upstream minted in its thread/resume answer.
    // They are the very strings threadstate minted for the same positions in the picker's
    // transcript pages, so the front answered them from the index.
    await waitUntil(() => servedFromIndex(log(), 'thread/turns/list') > before.turns && servedFromIndex(log(), 'thread/items/list') > before.items, 'the resume\'s history pages answered from the index');

    t.press('C-t');
    const transcript = await t.waitForScreen((s) => s.includes(newThread.reasoning) && s.includes(`$ ${newThread.command}`), 'the transcript of the resumed thread');
    assert.ok(transcript.includes(newThread.answer) && !transcript.includes(LOAD_ERROR), transcript);
    t.press('C-t');
    await t.waitForScreen((s) => s.includes(`Ran ${newThread.command}`), 'the chat again');

    // A turn on the resumed thread still runs through the upstream.
    await t.type('One more turn after the resume');
    t.press('Enter');
    await t.waitForScreen((s) => s.includes('One more turn after the resume') && /MOCK-ANSWER \d+/.test(s), 'the answer on the resumed thread', 60000);
  });

  it('resumes the older-format thread and opens its transcript', async () => {
    const t = tui!;
    await openPicker(t);
    await select(t, oldThread);
    t.press('Enter');
    const history = await t.waitForScreen((s) => s.includes('Ask Codex to do anything') && s.includes(oldThread.answer) && !s.includes('Resume a previous session'), 'the resumed older-format history', 60000);
    assert.ok(history.includes(PROMPT), history);
    assert.ok(!history.includes(newThread.answer), 'the screen shows the older-format thread, not the 0.169 one');
    t.press('C-t');
    const transcript = await t.waitForScreen((s) => s.includes(oldThread.reasoning), 'the transcript of the resumed older-format thread');
    assert.ok(transcript.includes(oldThread.answer) && !transcript.includes(LOAD_ERROR), transcript);
    t.press('C-t');
  });
});
