// The Codex database schemas threadstate has verified against the real Codex 0.169 binary
// (scripts/interop/observe-codex-db.ts), and the check made before every write: the applied
// migrations must be exactly the verified ones (versions and SHA-384 checksums, folded into one
// fingerprint) and every table and column threadstate writes must be there. Anything else means a
// Codex build whose writes threadstate has not observed: it then leaves that database alone.

import type { DatabaseSync } from 'node:sqlite';

export interface VerifiedSchema {
  /** What the schema belongs to, for messages. */
  label: string;
  /** The highest applied migration version verified. */
  lastVersion: number;
  /** sha256 of `<version>:<checksum hex>\n` for every applied migration, in version order. */
  fingerprint: string;
  /** table → columns threadstate reads or writes. */
  columns: Record<string, readonly string[]>;
}

export const STATE_DB_SCHEMA: VerifiedSchema = {
  label: 'Codex 0.169 state_5.sqlite (migrations 1-62)',
  lastVersion: 62,
  fingerprint: '35b17d511d44a79f9d4e6885fb6b479ae839b9c20d9d14229c1d18351ec22c31',
  columns: {
    threads: [
      'id', 'rollout_path', 'created_at', 'updated_at', 'source', 'model_provider', 'cwd', 'title', 'sandbox_policy',
      'approval_mode', 'tokens_used', 'archived', 'archived_at', 'git_sha', 'git_branch', 'git_origin_url', 'cli_version',
      'first_user_message', 'agent_nickname', 'agent_role', 'model', 'reasoning_effort', 'agent_path', 'created_at_ms',
      'updated_at_ms', 'thread_source', 'preview', 'recency_at', 'recency_at_ms', 'history_mode', 'name', 'originator',
    ],
    thread_read_receipts: ['thread_id'],
  },
};

export const HISTORY_DB_SCHEMA: VerifiedSchema = {
  label: 'Codex 0.169 thread_history_1.sqlite (migrations 1-8)',
  lastVersion: 8,
  fingerprint: '9ad7e57b2559fe7911ac57d05b014464fed6ae7561af4618bc6b137d7633f38c',
  columns: {
    thread_turns: ['thread_id'],
    thread_items: ['thread_id'],
    thread_history_projection_state: ['thread_id', 'next_rollout_byte_offset', 'next_rollout_ordinal'],
  },
};

/** null when the database is exactly as verified; otherwise what differs. */
export function schemaMismatch(db: DatabaseSync, schema: VerifiedSchema): string | null {
  const hasMigrations = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'").get();
  if (!hasMigrations) return 'no _sqlx_migrations table';
  const rows = db.prepare('SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version').all() as Array<{ version: number | bigint; success: number | bigint; checksum: Uint8Array | null }>;
  if (rows.some((r) => Number(r.success) !== 1)) return 'a migration did not succeed';
  const last = rows.length > 0 ? Number(rows[rows.length - 1].version) : 0;
  if (last !== schema.lastVersion) return `migrations applied up to ${last}, verified up to ${schema.lastVersion}`;
  const text = rows.map((r) => `${Number(r.version)}:${r.checksum ? Buffer.from(r.checksum).toString('hex') : ''}\n`).join('');
  // node:crypto on first use: a static import would load it with the bundle, on every restart.
  if (process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex') !== schema.fingerprint) return 'applied migrations differ from the verified ones (checksums)';
  for (const [table, wanted] of Object.entries(schema.columns)) {
    const present = new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((c) => c.name));
    if (present.size === 0) return `table ${table} is missing`;
    const missing = wanted.filter((c) => !present.has(c));
    if (missing.length > 0) return `table ${table} lacks ${missing.join(', ')}`;
  }
  return null;
}
