// Shared pieces of the tests that drive the real Codex TUI against the front: a fixture home the
// upstream Codex can run turns on offline, and what the front's debug log says it answered.

import { appendFileSync, cpSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, type FixtureEra } from './home.ts';
import type { ResponsesMock } from './responses-mock.ts';

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** `env K='v' …` for a tmux command line. */
export function shellEnv(vars: Record<string, string | number>): string {
  return Object.entries(vars).map(([k, v]) => `${k}=${shellQuote(String(v))}`).join(' ');
}

/** The fixture home's provider pointed at the mock; screens a fresh home shows once already seen. */
export function pointAtMock(home: string, mock: ResponsesMock): void {
  const configPath = join(home, 'config.toml');
  writeFileSync(configPath, readFileSync(configPath, 'utf8').replace('http://127.0.0.1:1/v1', `http://127.0.0.1:${mock.port}/v1`));
  appendFileSync(configPath, '\n[tui]\nscreen_reader_detection_done = true\n\n[notice.model_migrations]\n"gpt-5.5" = "gpt-6-sol"\n');
}

/** Copies another era's `sessions/` into `home`, with that fixture's recorded mtimes. */
export function addFixtureSessions(home: string, era: FixtureEra): void {
  cpSync(join(FIXTURES, era, 'home', 'sessions'), join(home, 'sessions'), { recursive: true });
  const mtimes = JSON.parse(readFileSync(join(FIXTURES, era, 'mtimes.json'), 'utf8')) as Record<string, string | number>;
  for (const [rel, value] of Object.entries(mtimes)) {
    if (rel.startsWith('sessions/')) utimesSync(join(home, rel), Number(value), Number(value));
  }
}

/** Log lines of the front saying it answered `method` from the index, successfully. */
export function servedFromIndex(stderr: string, method: string): number {
  return stderr.split('\n').filter((l) => l.includes('answered from the index') && l.includes(`"method":"${method}"`) && l.includes('"ok":true')).length;
}

/** Log lines of the front saying it forwarded `method` to the upstream Codex. */
export function forwardedUpstream(stderr: string, method: string): number {
  return stderr.split('\n').filter((l) => l.includes('forwarded upstream') && l.includes(`"method":"${method}"`)).length;
}

export async function waitFor(test: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
