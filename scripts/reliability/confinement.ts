// Scenario 6: paths and ids from clients that try to leave the home (`..`, absolute paths, symlinks
// pointing out) are refused, and nothing outside the home is read or touched. The sentinel outside
// is a perfectly valid rollout with a unique marker, so reading it would show in an answer.

import { mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { generateHome } from '../bench/gen-home.ts';
import { type Json, ask, listAll, startServer } from './lib.ts';

export interface ConfinementFigures {
  attempts: number;
  refused: number;
  /** Client-supplied paths or ids that got an answer with the outside file's content. */
  leaks: string[];
  /** Client-supplied paths or ids that were accepted, and answers that were not proper refusals. */
  problems: string[];
  /** Reads served through a rollout link in sessions/ that points outside (by thread id). */
  linkReads: string[];
  sentinelChanged: boolean;
}

const SENTINEL_ID = '019b0000-0000-7000-8000-00000000beef';
const MARKER = 'SENTINEL-OUTSIDE-THE-HOME';

function sentinelRollout(): string {
  const ts = '2026-01-01T00:00:00.000Z';
  return [
    { timestamp: ts, type: 'session_meta', payload: { id: SENTINEL_ID, timestamp: ts, cwd: '/outside', originator: MARKER, cli_version: '0.98.0', source: 'cli', model_provider: 'openai' } },
    { timestamp: ts, type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: MARKER }] } },
    { timestamp: ts, type: 'event_msg', payload: { type: 'user_message', message: MARKER, images: [], local_images: [], text_elements: [] } },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n';
}

export async function confinement(workDir: string): Promise<ConfinementFigures> {
  const home = join(workDir, 'home');
  const outside = join(workDir, 'outside');
  mkdirSync(outside, { recursive: true });
  const { ids } = generateHome({ out: home, threads: 5, seed: 41, archivedRatio: 0 });
  const sentinel = join(outside, `rollout-2026-01-01T00-00-00-${SENTINEL_ID}.jsonl`);
  writeFileSync(sentinel, sentinelRollout());
  const sentinelBytes = readFileSync(sentinel);
  const before = statSync(sentinel);
  // Links from inside the home to the outside: one file link, one directory link.
  const day = join(home, 'sessions', '2026', '01', '01');
  const linkedFile = join(day, `rollout-2026-01-01T00-00-00-${SENTINEL_ID}.jsonl`);
  symlinkSync(sentinel, linkedFile);
  symlinkSync(outside, join(home, 'sessions', '2026', '01', 'linked-dir'));
  const linkedViaDir = join(home, 'sessions', '2026', '01', 'linked-dir', `rollout-2026-01-01T00-00-00-${SENTINEL_ID}.jsonl`);

  const paths = [
    sentinel, relative(home, sentinel), `sessions/../../outside/${relative(outside, sentinel)}`, `${home}/../outside/${relative(outside, sentinel)}`,
    linkedFile, relative(home, linkedFile), linkedViaDir, '/etc/passwd', '../../../../etc/passwd', '/', '..', '', 'sessions/../..',
  ];
  const badIds = ['../../x', `../${SENTINEL_ID}`, `${SENTINEL_ID}/../../x`, '/etc/passwd', `sessions/../../outside/${SENTINEL_ID}`, '..', `${ids[0]}/../../../x`, `${ids[0]}\u0000`];
  const figures: ConfinementFigures = { attempts: 0, refused: 0, leaks: [], problems: [], linkReads: [], sentinelChanged: false };
  const server = await startServer(home, [], true);
  const check = (label: string, answer: Json | null, viaLink = false): void => {
    figures.attempts++;
    if (!answer) { figures.problems.push(`${label}: no answer`); return; }
    if (answer.error) {
      figures.refused++;
      if (answer.error.code === -32603) figures.problems.push(`${label}: internal error instead of a refusal: ${answer.error.message}`);
      return;
    }
    const text = JSON.stringify(answer.result);
    if (viaLink) {
      if (text.includes(MARKER)) figures.linkReads.push(label);
    } else {
      if (text.includes(MARKER) || text.includes(SENTINEL_ID)) figures.leaks.push(`${label}: ${text.slice(0, 300)}`);
      figures.problems.push(`${label}: accepted: ${text.slice(0, 200)}`);
    }
  };
  try {
    for (const path of paths) {
      check(`getConversationSummary ${path}`, await ask(server, 'getConversationSummary', { rolloutPath: path }));
      check(`thread/resume path ${path}`, await ask(server, 'thread/resume', { threadId: SENTINEL_ID, path }));
    }
    for (const id of badIds) {
      for (const method of ['thread/read', 'thread/archive', 'thread/unarchive', 'thread/delete', 'thread/turns/list', 'thread/items/list', 'thread/resume', 'thread/fork', 'thread/unsubscribe', 'thread/metadata/update']) {
        check(`${method} ${JSON.stringify(id)}`, await ask(server, method, { threadId: id }));
      }
      check(`thread/name/set ${JSON.stringify(id)}`, await ask(server, 'thread/name/set', { threadId: id, name: 'escaped' }));
      check(`thread/inject_items ${JSON.stringify(id)}`, await ask(server, 'thread/inject_items', { threadId: id, items: [{ type: 'message', role: 'user', content: [] }] }));
      check(`getConversationSummary id ${JSON.stringify(id)}`, await ask(server, 'getConversationSummary', { conversationId: id }));
    }
    // The sentinel's own id, reachable only through the file link in sessions/: whatever is
    // served, nothing may be written, moved or deleted outside the home.
    for (const method of ['thread/read', 'thread/resume', 'thread/fork', 'thread/turns/list', 'thread/items/list', 'thread/metadata/update', 'thread/archive', 'thread/unarchive']) {
      check(`${method} by id`, await ask(server, method, { threadId: SENTINEL_ID }), true);
    }
    check('thread/name/set by id', await ask(server, 'thread/name/set', { threadId: SENTINEL_ID, name: 'escaped' }), true);
    check('thread/inject_items by id', await ask(server, 'thread/inject_items', {
      threadId: SENTINEL_ID, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'written through a link' }] }],
    }), true);
    check('thread/delete by id', await ask(server, 'thread/delete', { threadId: SENTINEL_ID }), true);
    for (const archived of [false, true]) {
      for (const t of await listAll(server, archived)) if (t.id === SENTINEL_ID) figures.linkReads.push(`thread/list archived=${archived}`);
    }
  } finally {
    await server.close();
  }
  const after = statSync(sentinel, { throwIfNoEntry: false });
  figures.sentinelChanged = !after || !readFileSync(sentinel).equals(sentinelBytes) || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino;
  return figures;
}
