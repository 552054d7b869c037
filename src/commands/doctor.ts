// `threadstate doctor`: reports the health of the index (integrity, schema, counts, backfill state,
// failed files, differences from the disk) and of Codex's own databases (which ones threadstate
// keeps in step, threads whose rows disagree with the rollouts); `--rebuild` moves the index aside
// and rebuilds it.

import { existsSync } from 'node:fs';
import { buildCodexDbReport, formatCodexDbReport, type CodexDbReport } from '../codex-db/doctor.ts';
import { resolveCodexHome } from '../config.ts';
import { buildDoctorReport, type DoctorReport } from '../store/doctor.ts';
import { moveDbAside, stateDbPath } from '../sqlite/files.ts';
import { openStateStore } from '../store/open.ts';
import { formatIndexingSummary, progressReporter } from './backfill.ts';
import { CODEX_HOME_FLAG, flagSet, flagValue, type Command } from './command.ts';

function list(label: string, items: string[], max = 10): string[] {
  if (items.length === 0) return [];
  const shown = items.slice(0, max).map((i) => `    ${i}`);
  if (items.length > max) shown.push(`    … and ${items.length - max} more`);
  return [`  ${label} (${items.length}):`, ...shown];
}

/** `codex` adds the report on Codex's own databases, just before the verdict. */
export function formatDoctorReport(r: DoctorReport, codex: CodexDbReport | null = null): string {
  const out: string[] = [`index: ${r.dbPath}`];
  const codexLines = codex ? formatCodexDbReport(codex) : [];
  if (!r.exists) {
    out.push('  no index yet: start the server or run `threadstate backfill`', ...codexLines);
    return `${out.join('\n')}\n`;
  }
  out.push(`  integrity (quick_check): ${r.integrity.detail}`);
  if (!r.integrity.ok) {
    out.push('  the index is damaged: run `threadstate doctor --rebuild` (the server also moves it aside at its next start)', ...codexLines);
    return `${out.join('\n')}\n`;
  }
  out.push(`  schema version: ${r.schemaVersion}${r.newerSchema ? ' (written by a newer threadstate)' : ''}`);
  if (r.counts) out.push(`  threads: ${r.counts.threads} (${r.counts.archived} archived, ${r.counts.listable} listable), failed files: ${r.counts.failedFiles}`);
  if (r.backfill) {
    const b = r.backfill;
    const when = b.lastSuccessAt ? new Date(b.lastSuccessAt).toISOString() : 'never';
    out.push(`  phase 1 (list fields, the backfill): ${b.status}, last watermark ${b.lastWatermark ?? '-'}, last success ${when}${b.leaseOwner ? `, lease held by ${b.leaseOwner}` : ''}`);
  }
  if (r.details) {
    const p = r.details;
    out.push(p.pendingThreads === 0
      ? '  phase 2 (turns and search text): complete'
      : `  phase 2 (turns and search text): ${p.pendingThreads} threads (${(p.pendingBytes / 1048576).toFixed(1)} MB) still to read; thread/search does not find them yet`);
  }
  out.push(...list('failed files', r.failedFiles.map((f) => `${f.path}: ${f.error} (${f.attempts} attempts)`)));
  if (r.disk) {
    const d = r.disk;
    out.push(`  disk: ${d.rolloutFiles} rollout files, ${d.unchanged} match their rows`);
    out.push(...list('files without a row', d.missingRows));
    out.push(...list('files changed since indexed', d.changedFingerprints));
    out.push(...list('files moved (archived/unarchived by hand)', d.movedFiles));
    out.push(...list('rows whose file is gone', d.staleRows.map((s) => `${s.threadId} ${s.path}`)));
    out.push(...list('ids present in more than one file', d.duplicateIds));
    if (d.relocated > 0) out.push(`  rows pointing at an old home location: ${d.relocated}`);
  }
  for (const c of r.repaired) out.push(`  repaired during ${c.stage}: ${c.reason} × ${c.count}`);
  out.push(...codexLines);
  if (!r.healthy) out.push('not in sync: the next server start or `threadstate backfill` repairs what is listed above');
  else if (codex && !codex.inStep) out.push("index healthy; Codex's databases are not in step with the rollouts (listed above)");
  else out.push('healthy');
  return `${out.join('\n')}\n`;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: "check the index and Codex's own databases against the rollouts; --rebuild rebuilds the index from scratch",
  details: "Exit status: 0 when the index is healthy and Codex's databases agree with the rollouts, 1 when either needs attention.",
  flags: [
    CODEX_HOME_FLAG,
    { name: 'rebuild', description: 'move the index aside (kept as .rebuild-<time>) and rebuild it from the rollouts' },
    { name: 'json', description: 'print the report as JSON' },
  ],
  async run(flags) {
    const home = resolveCodexHome(flagValue(flags, 'codex-home'));
    const json = flagSet(flags, 'json');
    let repaired: DoctorReport['repaired'] = [];
    if (flagSet(flags, 'rebuild')) {
      const path = stateDbPath(home);
      if (existsSync(path)) {
        const aside = moveDbAside(path, 'rebuild');
        process.stderr.write(`moved the index to ${aside}\n`);
      }
      const store = openStateStore(home);
      try {
        const progress = progressReporter();
        const result = await store.startBackgroundIndexing({ onProgress: progress.onProgress });
        progress.done();
        if (!json) process.stdout.write(formatIndexingSummary(store, result));
        repaired = store.discrepancies.snapshot();
      } finally {
        store.close();
      }
    }
    const report = await buildDoctorReport(home, { repaired });
    const codexDbs = await buildCodexDbReport(home);
    if (json) process.stdout.write(`${JSON.stringify({ ...report, codexDatabases: codexDbs }, null, 2)}\n`);
    else process.stdout.write(formatDoctorReport(report, codexDbs));
    return report.healthy && codexDbs.inStep ? 0 : 1;
  },
};
