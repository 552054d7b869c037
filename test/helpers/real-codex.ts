// The real Codex CLI app-server (the interop oracle), run offline on a temp CODEX_HOME.
// `scripts/interop/install-codex.sh` installs it into a cache folder; THREADSTATE_CODEX_BIN overrides
// where the launcher is looked for.

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProcess, type Json } from './app-server.ts';
import { FIXTURES } from './home.ts';

export const CODEX_VERSION = '0.169.0';

/** The `codex` launcher, or null when the real Codex is not installed. */
export function realCodexBin(): string | null {
  const configured = process.env.THREADSTATE_CODEX_BIN;
  if (configured) return existsSync(configured) ? configured : null;
  const dir = process.env.THREADSTATE_CODEX_DIR ?? join(homedir(), '.cache', 'threadstate', `codex-${CODEX_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'codex');
  return existsSync(bin) && existsSync(join(dir, '.installed')) ? bin : null;
}

/**
 * The fixture home's config.toml keeps Codex offline: its only model provider points at a closed
 * loopback port, and every optional network feature is off. Written only when the home has none.
 */
export function ensureOfflineConfig(codexHome: string): void {
  mkdirSync(codexHome, { recursive: true });
  const path = join(codexHome, 'config.toml');
  if (!existsSync(path)) copyFileSync(join(FIXTURES, 'codex-0.169.0', 'home', 'config.toml'), path);
}

/** `codex app-server` on `codexHome`, with HOME pointed at a scratch folder so nothing outside is touched. */
export class RealCodexProcess extends JsonRpcProcess {
  constructor(bin: string, codexHome: string, scratchHome: string, configOverrides: string[] = []) {
    ensureOfflineConfig(codexHome);
    mkdirSync(scratchHome, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: scratchHome,
      CODEX_HOME: codexHome,
      REALCODEX_API_KEY: 'offline',
      RUST_LOG: 'warn',
      NO_COLOR: '1',
    };
    super(bin, ['app-server', ...configOverrides.flatMap((c) => ['-c', c])], env, scratchHome);
  }

  async initializeCodex(): Promise<Json> {
    const result = await this.call('initialize', { clientInfo: { name: 'threadstate_interop', title: null, version: '1.0.0' }, capabilities: { experimentalApi: true } });
    this.send({ method: 'initialized' });
    return result;
  }
}
