// Pieces shared by the hardening tests and the reliability scenarios: a started thread with one
// message on disk, a FIFO where thread/read looks for a rollout, a rollout whose answer spills, and
// the floods that check flow control (a home whose lists are slow, what every answer must be).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateHome } from '../../scripts/bench/gen-home.ts';
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

/**
 * Rewrites the fixture home's 0.169 rollout that holds a command execution: its output becomes
 * `output` (in `copies` items, ids call_copy_<n>, when more than one). Returns the rollout, its
 * thread id, and its new text.
 */
export function withCommandOutput(home: string, output: string, copies = 1): { path: string; threadId: string; text: string } {
  const sessions = join(home, 'sessions/2026/11/25');
  const name = readdirSync(sessions).find((f) => readFileSync(join(sessions, f), 'utf8').includes('"CommandExecution"'))!;
  const path = join(sessions, name);
  const threadId = /-([0-9a-f-]{36})\.jsonl$/.exec(name)![1];
  const text = readFileSync(path, 'utf8').split('\n').flatMap((line) => {
    if (!line.includes('"CommandExecution"')) return [line];
    return Array.from({ length: copies }, (_, i) => {
      const value = JSON.parse(line);
      if (copies > 1) {
        value.payload.item.id = `call_copy_${i}`;
        value.payload.item.aggregated_output = `${i}: ${output}`;
      } else {
        value.payload.item.aggregated_output = output;
      }
      return JSON.stringify(value);
    });
  }).join('\n');
  writeFileSync(path, text);
  return { path, threadId, text };
}

/**
 * A rollout whose history answer holds 30 spilled strings of ~330 KB (read back from the file
 * while the answer is written).
 */
export function spillHeavyRollout(home: string): { path: string; threadId: string; text: string } {
  return withCommandOutput(home, 'output line with "quotes" and é\n'.repeat(10_000), 30);
}

/** Codex's answer to a request past the in-flight bound. */
export const OVERLOADED = { code: -32001, message: 'Server overloaded; retry later.' };

/**
 * A home of 400 generated rollouts under `dir`: served with --no-index, every thread/list reads
 * them all, so a flood of lists piles up in flight.
 */
export function slowListHome(dir: string): string {
  const home = join(dir, 'slow-list-home');
  generateHome({ out: home, threads: 400, big: 0, seed: 5 });
  return home;
}

/** The answers among `messages` to the numbered requests `from` ≤ id < `to`. */
export function answersBetween(messages: Json[], from: number, to: number): Json[] {
  return messages.filter((m) => m.method === undefined && typeof m.id === 'number' && m.id >= from && m.id < to);
}

/**
 * Each of `count` requests answered exactly once, every answer either a result `served` accepts or
 * Codex's -32001 refusal; returns how many were refused.
 */
export function assertAnsweredOnce(answers: Json[], count: number, served: (result: Json) => boolean): number {
  assert.equal(new Set(answers.map((m) => m.id)).size, count, 'every request answered');
  assert.equal(answers.length, count, 'no request answered twice');
  let refused = 0;
  for (const m of answers) {
    if (m.error) {
      assert.deepEqual(m.error, OVERLOADED);
      refused++;
    } else {
      assert.ok(served(m.result), JSON.stringify(m).slice(0, 300));
    }
  }
  return refused;
}
