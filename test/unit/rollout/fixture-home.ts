// Test helper: a temp copy of a real Codex fixture home with its recorded mtimes applied, and the
// real app-server answers indexed by request.

import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const FIXTURES = ['codex-0.98.0', 'codex-0.169.0'] as const;
export type FixtureName = (typeof FIXTURES)[number];

const FIXTURE_ROOT = new URL('../../fixtures/', import.meta.url).pathname;
export const ORIGINAL_HOME = '/home/dev/.codex';

export interface Exchange {
  /** 1: the earlier recording (cursors compared exactly); 2: the TUI's requests (cursors compared by null-ness, fixtures README). */
  part: 1 | 2;
  label: string;
  method: string;
  params: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string };
}

export interface FixtureHome {
  name: FixtureName;
  home: string;
  /** The answers about the home as it is on disk: every exchange before the first resume or fork. */
  exchanges: Exchange[];
  cleanup(): void;
}

function applyMtimes(name: FixtureName, home: string): void {
  const mtimes = JSON.parse(readFileSync(join(FIXTURE_ROOT, name, 'mtimes.json'), 'utf8')) as Record<string, string>;
  for (const [rel, text] of Object.entries(mtimes)) {
    const seconds = Number(text); // sub-ms precision is not needed: Codex reports ms at most
    utimesSync(join(home, rel), seconds, seconds);
  }
}

export function loadExchanges(name: FixtureName): Exchange[] {
  const lines = readFileSync(join(FIXTURE_ROOT, name, 'answers.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const out: Exchange[] = [];
  const pending = new Map<unknown, Exchange>();
  const tuiFromId = lines.find((l) => l.summary)?.summary?.tuiFromId ?? Infinity;
  for (const l of lines) {
    if (l.summary) continue;
    const msg = l.msg as Record<string, unknown>;
    if (l.dir === 'send' && msg.id !== undefined) {
      const ex: Exchange = { part: Number(msg.id) >= tuiFromId ? 2 : 1, label: l.label, method: String(msg.method), params: (msg.params ?? {}) as Record<string, unknown> };
      pending.set(msg.id, ex);
      out.push(ex);
    } else if (l.dir === 'recv' && msg.id !== undefined && !('method' in msg)) {
      const ex = pending.get(msg.id);
      if (ex) {
        ex.result = msg.result as Record<string, unknown> | undefined;
        ex.error = msg.error as Exchange['error'];
      }
    }
  }
  return out;
}

export function makeFixtureHome(name: FixtureName): FixtureHome {
  const home = mkdtempSync(join(tmpdir(), `ts-rollout-${name}-`));
  cpSync(join(FIXTURE_ROOT, name, 'home'), home, { recursive: true });
  applyMtimes(name, home);
  const all = loadExchanges(name);
  const firstWrite = all.findIndex((e) => e.method === 'thread/resume' || e.method === 'thread/fork');
  const exchanges = firstWrite < 0 ? all : all.slice(0, firstWrite);
  return { name, home, exchanges, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Replaces the recorded home prefix in an answer's path with the temp home. */
export function localPath(fixture: FixtureHome, recorded: string): string {
  return recorded.startsWith(ORIGINAL_HOME) ? fixture.home + recorded.slice(ORIGINAL_HOME.length) : recorded;
}
