import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** threadstate's own version; written as `cli_version` into the rollouts it creates. */
export const VERSION: string = packageJson.version;

/** Written as `originator` into the rollouts threadstate creates when no client name is known. */
export const ORIGINATOR = 'threadstate';

/**
 * The Codex CLI version whose rollout format threadstate writes when it forks a thread: a fork's
 * file continues its parent's history the way Codex 0.169 writes it, and says so in `cli_version`.
 */
export const CODEX_FORMAT_VERSION = '0.169.0';
