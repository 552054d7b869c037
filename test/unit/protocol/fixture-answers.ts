// Reads the real Codex exchanges in test/fixtures/*/answers.jsonl and pairs each response with the
// method of the request it answers.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURES = ['codex-0.169.0', 'codex-0.98.0'] as const;

export interface Exchange {
  label: string;
  method: string;
  params: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

export interface FixtureAnswers {
  exchanges: Exchange[];
  notifications: { method: string; params: unknown; emittedAtMs?: number }[];
}

export function loadAnswers(fixture: (typeof FIXTURES)[number]): FixtureAnswers {
  const path = fileURLToPath(new URL(`../../fixtures/${fixture}/answers.jsonl`, import.meta.url));
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const pending = new Map<unknown, { label: string; method: string; params: unknown }>();
  const exchanges: Exchange[] = [];
  const notifications: FixtureAnswers['notifications'] = [];
  for (const { dir, label, msg } of lines) {
    if (dir === 'send' && msg.id !== undefined) pending.set(msg.id, { label, method: msg.method, params: msg.params });
    if (dir !== 'recv') continue;
    if (msg.method !== undefined) {
      notifications.push(msg);
      continue;
    }
    const request = pending.get(msg.id);
    if (request === undefined) throw new Error(`response to unknown id ${msg.id} in ${fixture}`);
    exchanges.push({ ...request, result: msg.result, error: msg.error });
  }
  return { exchanges, notifications };
}
