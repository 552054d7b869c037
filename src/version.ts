import { readFileSync } from 'node:fs';

const packageJson = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
) as { version: string };

/** threadstate's own version; written as `cli_version` into the rollouts it creates. */
export const VERSION: string = packageJson.version;

/** Written as `originator` into the rollouts threadstate creates when no client name is known. */
export const ORIGINATOR = 'threadstate';
