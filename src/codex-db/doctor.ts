// What `threadstate doctor` says about Codex's own databases: every one found, whether threadstate
// keeps it in step (it writes only the verified state and history databases), and every thread where
// Codex's rows disagree with the rollouts (the truth). Reads only: the databases are opened
// read-only (`mode=ro`), which never checkpoints or creates a database.

import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { errorMessage } from '../errors.ts';
import { listRolloutFiles, type RolloutFileEntry } from '../rollout/paths.ts';
import { readThreadNames } from '../rollout/session-index.ts';
import { CODEX_HISTORY_DB, CODEX_STATE_DB, codexSqliteHome, findCodexDbs } from './files.ts';
import { HISTORY_DB_SCHEMA, STATE_DB_SCHEMA, schemaMismatch } from './schema.ts';

export interface CodexDbEntry {
  path: string;
  bytes: number;
  /** Applied migrations (count and highest version); null when unreadable. */
  migrations: { count: number; last: number } | null;
  keptInStep: boolean;
  detail: string;
}

export interface CodexThreadDisagreement {
  threadId: string;
  problem: string;
}

export interface CodexDbReport {
  sqliteHome: string;
  databases: CodexDbEntry[];
  /** Rows of the state database compared with the rollouts; null when there is none to compare. */
  threads: { rows: number; rollouts: number } | null;
  disagreements: CodexThreadDisagreement[];
  /** Rollouts Codex keeps no row for yet (it adds one when it lists or reads the thread): not a fault. */
  rolloutsWithoutRow: string[];
  /** False when a database threadstate should keep in step is unverified, or rows disagree. */
  inStep: boolean;
}

function openReadOnly(path: string): DatabaseSync {
  const url = pathToFileURL(path);
  url.searchParams.set('mode', 'ro');
  return new DatabaseSync(url, { readOnly: true, timeout: 2000 });
}

function describeDb(path: string, name: string, isActive: boolean): CodexDbEntry & { verified: boolean } {
  const entry = { path, bytes: 0, migrations: null as CodexDbEntry['migrations'], keptInStep: false, detail: '', verified: false };
  const schema = name === CODEX_STATE_DB ? STATE_DB_SCHEMA : name === CODEX_HISTORY_DB ? HISTORY_DB_SCHEMA : null;
  let db: DatabaseSync | null = null;
  try {
    db = openReadOnly(path);
    const m = db.prepare('SELECT COUNT(*) AS n, MAX(version) AS last FROM _sqlx_migrations').get() as { n: number; last: number | null };
    entry.migrations = { count: Number(m.n), last: Number(m.last ?? 0) };
    if (!schema) {
      entry.detail = 'not written by threadstate (it holds nothing threadstate changes)';
    } else if (!isActive) {
      entry.detail = "not written by threadstate: Codex's SQLite directory is elsewhere";
    } else {
      const mismatch = schemaMismatch(db, schema);
      entry.verified = mismatch === null;
      entry.keptInStep = entry.verified;
      entry.detail = mismatch === null ? `kept in step (${schema.label})` : `NOT kept in step: ${mismatch} (threadstate verified ${schema.label})`;
    }
  } catch (err) {
    entry.detail = `unreadable: ${errorMessage(err)}`;
  } finally {
    db?.close();
  }
  return entry;
}

interface CodexThreadRow {
  id: string;
  rollout_path: string;
  archived: number;
  name: string | null;
}

async function compareThreads(statePath: string, codexHome: string, report: CodexDbReport): Promise<void> {
  let rows: CodexThreadRow[];
  const db = openReadOnly(statePath);
  try {
    rows = db.prepare('SELECT id, rollout_path, archived, name FROM threads').all() as unknown as CodexThreadRow[];
  } finally {
    db.close();
  }
  const files = await listRolloutFiles(codexHome);
  const byId = new Map<string, RolloutFileEntry[]>();
  for (const f of files) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const names = await readThreadNames(codexHome);
  report.threads = { rows: rows.length, rollouts: files.length };
  const seen = new Set<string>();
  for (const row of rows) {
    seen.add(row.id);
    const found = byId.get(row.id) ?? [];
    if (found.length === 0) {
      report.disagreements.push({ threadId: row.id, problem: `row for a thread with no rollout (${row.rollout_path})` });
      continue;
    }
    if (found.length > 1) continue; // the same id in two files: threadstate's own doctor reports it
    const file = found[0];
    if (Boolean(row.archived) !== file.archived) {
      report.disagreements.push({ threadId: row.id, problem: `row says ${row.archived ? 'archived' : 'active'}, the rollout is ${file.archived ? 'archived' : 'active'} (${file.relPath})` });
    } else if (row.rollout_path !== file.path) {
      report.disagreements.push({ threadId: row.id, problem: `row points at ${row.rollout_path}, the rollout is at ${file.path}` });
    }
    const indexed = names.get(row.id) ?? null;
    if (row.name !== null && row.name !== indexed) {
      report.disagreements.push({ threadId: row.id, problem: `row names it ${JSON.stringify(row.name)}, session_index.jsonl ${indexed === null ? 'has no name' : JSON.stringify(indexed)}` });
    }
  }
  for (const [id, found] of byId) if (!seen.has(id)) report.rolloutsWithoutRow.push(found[0].relPath);
  report.rolloutsWithoutRow.sort();
}

export async function buildCodexDbReport(codexHome: string, env: NodeJS.ProcessEnv = process.env): Promise<CodexDbReport> {
  const sqliteHome = codexSqliteHome(codexHome, env);
  const report: CodexDbReport = { sqliteHome, databases: [], threads: null, disagreements: [], rolloutsWithoutRow: [], inStep: true };
  let verifiedState: string | null = null;
  for (const file of findCodexDbs(codexHome, env)) {
    const isActive = dirname(file.path) === resolve(sqliteHome);
    const { verified, ...entry } = describeDb(file.path, file.name, isActive);
    report.databases.push({ ...entry, bytes: file.bytes });
    if ((file.name === CODEX_STATE_DB || file.name === CODEX_HISTORY_DB) && isActive && !verified) report.inStep = false;
    if (file.name === CODEX_STATE_DB && isActive && entry.migrations) verifiedState = file.path;
  }
  if (verifiedState) {
    try {
      await compareThreads(verifiedState, codexHome, report);
    } catch (err) {
      report.disagreements.push({ threadId: '-', problem: `could not compare with the rollouts: ${errorMessage(err)}` });
    }
  }
  if (report.disagreements.length > 0) report.inStep = false;
  return report;
}

export function formatCodexDbReport(r: CodexDbReport): string[] {
  const out: string[] = [`codex databases (${r.sqliteHome}):`];
  if (r.databases.length === 0) out.push('  none (Codex has not used this home, or keeps them elsewhere)');
  for (const d of r.databases) {
    const migrations = d.migrations ? `${d.migrations.count} migrations, last ${d.migrations.last}` : 'migrations unknown';
    out.push(`  ${d.path} (${Math.round(d.bytes / 1024)} KB, ${migrations}): ${d.detail}`);
  }
  if (r.threads) out.push(`  threads: ${r.threads.rows} rows, ${r.threads.rollouts} rollouts; ${r.rolloutsWithoutRow.length} rollouts without a row yet (Codex adds them when it meets them)`);
  const shown = r.disagreements.slice(0, 10).map((d) => `    ${d.threadId}: ${d.problem}`);
  if (r.disagreements.length > 10) shown.push(`    … and ${r.disagreements.length - 10} more`);
  if (r.disagreements.length > 0) out.push(`  threads where Codex's rows disagree with the rollouts (${r.disagreements.length}):`, ...shown);
  return out;
}
