// The real Codex CLI 0.169.0 (the interop oracle), installed by scripts/interop/install-codex.sh
// into a cache folder outside the repository (idempotent: an existing install is reused).

import { execFileSync } from 'node:child_process';
import { REPO_ROOT } from './app-server.ts';

let cached: string | null = null;

/** Path of the `codex` launcher. */
export function codexBinary(): string {
  if (cached) return cached;
  const out = execFileSync('bash', [`${REPO_ROOT}scripts/interop/install-codex.sh`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  cached = out.trim().split('\n').pop()!;
  return cached;
}
