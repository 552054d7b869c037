// The real Codex CLI app-server (the interop oracle), run offline on a temp CODEX_HOME.
// `scripts/interop/install-codex.sh` installs it into a cache folder; THREADSTATE_CODEX_BIN overrides
// where the launcher is looked for.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { JsonRpcProcess, type Json } from './app-server.ts';

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
 * A config.toml that keeps Codex offline: its only model provider points at a closed loopback port,
 * and every optional network feature is off. Written only when the home has none.
 */
export const OFFLINE_CONFIG = `model = "gpt-5.5"
model_provider = "realcodex_mock"
check_for_update_on_startup = false

[analytics]
enabled = false

[feedback]
enabled = false

[otel]
exporter = "none"
trace_exporter = "none"
metrics_exporter = "none"

[features]
plugins = false
apps = false
remote_plugin = false
plugin_sharing = false
tool_suggest = false
skill_search = false
daemon_auto_start = false
in_app_updates = false
shell_snapshot = false
enable_request_compression = false
unbounded_connection_retries = false

[model_providers.realcodex_mock]
name = "realcodex mock"
base_url = "http://127.0.0.1:1/v1"
env_key = "REALCODEX_API_KEY"
wire_api = "responses"
request_max_retries = 0
stream_max_retries = 0
`;

export function ensureOfflineConfig(codexHome: string): void {
  mkdirSync(codexHome, { recursive: true });
  const path = join(codexHome, 'config.toml');
  if (!existsSync(path)) writeFileSync(path, OFFLINE_CONFIG);
}

/** `codex app-server` on `codexHome`, with HOME pointed at a scratch folder so nothing outside is touched. */
export class RealCodexProcess extends JsonRpcProcess {
  constructor(bin: string, codexHome: string, scratchHome: string) {
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
    super(bin, ['app-server'], env, scratchHome);
  }

  async initializeCodex(): Promise<Json> {
    const result = await this.call('initialize', { clientInfo: { name: 'threadstate_interop', title: null, version: '1.0.0' }, capabilities: { experimentalApi: true } });
    this.send({ method: 'initialized' });
    return result;
  }
}
