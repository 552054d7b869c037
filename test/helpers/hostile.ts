// Pieces shared by the hardening tests and the reliability scenarios: a started thread with one
// message on disk, and a FIFO where thread/read looks for a rollout.

import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { localTimeParts } from '../../src/rollout/paths.ts';
import type { AppServerProcess, Json } from './app-server.ts';

export function userItem(text: string): Json {
  return { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
}

/** Starts a thread and injects one message, so its rollout exists: its id and rollout path. */
export async function materializedThread(server: AppServerProcess, cwd: string): Promise<{ threadId: string; path: string }> {
  const started = await server.call('thread/start', { cwd });
  const threadId = started.thread.id as string;
  await server.call('thread/inject_items', { threadId, items: [userItem('hello')] });
  return { threadId, path: (await server.call('thread/read', { threadId })).thread.path as string };
}

/** A FIFO named like the rollout of a UUIDv7 thread, in the day folder its id names (where thread/read looks first). */
export function rolloutFifo(home: string): { fifoId: string; fifo: string } {
  const created = new Date(Date.UTC(2026, 10, 25, 10));
  const hex = created.getTime().toString(16).padStart(12, '0');
  const fifoId = `${hex.slice(0, 8)}-${hex.slice(8)}-7000-8000-000000000001`;
  const parts = localTimeParts(created);
  const dir = join(home, 'sessions', parts.y, parts.mo, parts.d);
  mkdirSync(dir, { recursive: true });
  const fifo = join(dir, `rollout-${parts.time}-${fifoId}.jsonl`);
  execFileSync('mkfifo', [fifo]);
  return { fifoId, fifo };
}
