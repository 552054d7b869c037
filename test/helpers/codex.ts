// The real Codex CLI 0.169.0 for the front's tests: the launcher real-codex.ts finds, or a clear
// failure naming the script that installs it (.ci/run runs it).

import { realCodexBin } from './real-codex.ts';

/** Path of the `codex` launcher. */
export function codexBinary(): string {
  const bin = realCodexBin();
  if (!bin) throw new Error('the real Codex 0.169.0 is not installed: run bash scripts/interop/install-codex.sh');
  return bin;
}
