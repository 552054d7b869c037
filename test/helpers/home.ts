// Temporary Codex homes: empty ones, and copies of the real fixture homes with their mtimes.

import { cpSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
export const FIXTURE_ERAS = ['codex-0.169.0', 'codex-0.98.0'] as const;
export type FixtureEra = (typeof FIXTURE_ERAS)[number];
/** The home path the fixtures were recorded under; answers mention it. */
export const RECORDED_HOME = '/home/dev/.codex';

export function makeTempDir(prefix = 'threadstate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Copies a fixture home into a fresh temp dir (or to `home`) and restores each file's recorded mtime. */
export function copyFixtureHome(era: FixtureEra, home = join(makeTempDir(), 'codex-home')): string {
  cpSync(join(FIXTURES, era, 'home'), home, { recursive: true });
  const mtimes = JSON.parse(readFileSync(join(FIXTURES, era, 'mtimes.json'), 'utf8')) as Record<string, string | number>;
  for (const [rel, value] of Object.entries(mtimes)) {
    const seconds = Number(value);
    try {
      utimesSync(join(home, rel), seconds, seconds);
    } catch {
      // listed file missing from the copy: nothing to restore
    }
  }
  return home;
}

export interface RecordedExchange {
  label: string;
  request: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  response: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The real app-server's request/response pairs from a fixture's answers.jsonl. */
export function recordedExchanges(era: FixtureEra): RecordedExchange[] {
  const lines = readFileSync(join(FIXTURES, era, 'answers.jsonl'), 'utf8').split('\n').filter((l) => l.trim() !== '');
  const entries = lines.map((l) => JSON.parse(l));
  const out: RecordedExchange[] = [];
  for (const entry of entries) {
    if (entry.dir !== 'send' || entry.msg.id === undefined) continue;
    const response = entries.find((e) => e.dir === 'recv' && e.msg.id === entry.msg.id && e.msg.method === undefined);
    if (response) out.push({ label: entry.label, request: entry.msg, response: response.msg });
  }
  return out;
}

/** Replaces the recorded home prefix in a recorded answer with the temp home. */
export function rehome<T>(value: T, home: string): T {
  return JSON.parse(JSON.stringify(value).split(RECORDED_HOME).join(home)) as T;
}
