// `threadstate backfill`: imports every rollout into the index in the foreground (resuming an
// interrupted import): phase 1, every thread's list fields; the reconcile with the disk; phase 2,
// turns and search text. With progress and a summary.

import { resolveCodexHome } from '../config.ts';
import type { IndexProgress } from '../indexing/backfill.ts';
import { openStateStore } from '../store/open.ts';
import type { IndexingPhase, IndexingResult, StateStore } from '../store/store.ts';
import { CODEX_HOME_FLAG, flagValue, type Command } from './command.ts';

const MB = 1024 * 1024;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const m = Math.floor(seconds / 60);
  return `${m}m${String(Math.ceil(seconds % 60)).padStart(2, '0')}s`;
}

/** One progress line: bar (TTY only), files, MB, rate and ETA. */
export function formatProgress(label: string, p: IndexProgress, elapsedMs: number, withBar: boolean): string {
  const fraction = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : p.filesTotal > 0 ? p.filesDone / p.filesTotal : 1;
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const rate = p.filesDone / seconds;
  const mbRate = p.bytesDone / MB / seconds;
  const eta = fraction > 0 ? (seconds / fraction) * (1 - fraction) : Infinity;
  const width = 24;
  const filled = Math.round(Math.min(1, fraction) * width);
  const bar = withBar ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
  return `${label}: ${bar}${p.filesDone}/${p.filesTotal} files, ${(p.bytesDone / MB).toFixed(1)}/${(p.bytesTotal / MB).toFixed(1)} MB, ` +
    `${rate.toFixed(0)} files/s, ${mbRate.toFixed(1)} MB/s, ETA ${p.filesDone >= p.filesTotal ? '0s' : formatDuration(eta)}`;
}

/** How the progress line names each phase. */
export const PHASE_LABELS: Record<IndexingPhase, string> = {
  backfill: 'phase 1/2, list fields',
  reconcile: 'reconcile',
  details: 'phase 2/2, turns and search text',
};

/** Progress on stderr: a redrawn bar on a TTY, otherwise a plain line at most every 2 s and at the end. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): {
  onProgress: (phase: IndexingPhase, p: IndexProgress) => void;
  done: () => void;
} {
  const tty = stream.isTTY === true;
  let phaseStarted = Date.now();
  let currentPhase = '';
  let lastPlain = 0;
  let drawn = false;
  return {
    onProgress(phase, p) {
      if (phase !== currentPhase) {
        if (drawn) stream.write('\n');
        drawn = false;
        currentPhase = phase;
        phaseStarted = Date.now();
      }
      const now = Date.now();
      const line = formatProgress(PHASE_LABELS[phase], p, now - phaseStarted, tty);
      if (tty) {
        stream.write(`\r\x1b[2K${line}`);
        drawn = true;
      } else if (now - lastPlain >= 2000 || p.filesDone === p.filesTotal) {
        stream.write(`${line}\n`);
        lastPlain = now;
      }
    },
    done() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

export function formatIndexingSummary(store: StateStore, result: IndexingResult): string {
  const lines: string[] = [];
  const b = result.backfill;
  if (b.outcome === 'already-complete') lines.push('phase 1 (list fields): already complete');
  else lines.push(`phase 1 (list fields): ${b.outcome}, ${b.scanned} files scanned, ${b.upserted} indexed, ${b.failed} failed in ${(b.durationMs / 1000).toFixed(1)}s`);
  const r = result.reconcile;
  if (r) {
    lines.push(
      `reconcile: ${r.files} files, ${r.unchanged} unchanged, ${r.indexed} re-indexed, ${r.failed} failed, ${r.dropped} stale rows dropped, ` +
        `${r.relocated} relocated, ${r.namesUpdated} names updated in ${r.durationMs} ms`,
    );
  }
  const d = result.details;
  const pending = store.detailsPending().threads;
  if (d && d.indexed + d.failed + d.skipped > 0) lines.push(`phase 2 (turns and search text): ${d.outcome}, ${d.indexed} threads read in full, ${d.failed} failed in ${(d.durationMs / 1000).toFixed(1)}s${pending > 0 ? `, ${pending} still to read` : ''}`);
  else lines.push(pending > 0 ? `phase 2 (turns and search text): ${pending} threads still to read` : 'phase 2 (turns and search text): complete');
  const failures = store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM index_failures')?.n ?? 0;
  const counts = store.db.get<{ n: number; a: number | null }>('SELECT COUNT(*) AS n, SUM(archived) AS a FROM threads');
  lines.push(`index: ${counts?.n ?? 0} threads (${counts?.a ?? 0} archived), ${failures} files failing; see 'threadstate doctor'`);
  return `${lines.join('\n')}\n`;
}

export const backfillCommand: Command = {
  name: 'backfill',
  summary: 'index every rollout now, with progress (resumes an interrupted import)',
  details:
    'Imports the rollouts under sessions/ and archived_sessions/ into threadstate\'s index in the\n' +
    'home, then reconciles the index with the files on disk. Interrupting it is safe: the next run or\n' +
    'server start resumes after the last finished batch.',
  flags: [CODEX_HOME_FLAG],
  async run(flags) {
    const home = resolveCodexHome(flagValue(flags, 'codex-home'));
    const store = openStateStore(home);
    const progress = progressReporter();
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    try {
      if (store.info.recoveredFrom) process.stderr.write(`the index was damaged and moved to ${store.info.recoveredFrom}; rebuilding\n`);
      const result = await store.startBackgroundIndexing({ onProgress: progress.onProgress, signal: controller.signal, leaseRetryMs: 0 });
      progress.done();
      process.stdout.write(formatIndexingSummary(store, result));
      if (result.backfill.outcome === 'lease-held') {
        process.stderr.write(`another process is indexing this home (${store.backfillState().leaseOwner ?? 'unknown'}); try again later\n`);
        return 1;
      }
      return result.backfill.outcome === 'stopped' ? 130 : 0;
    } finally {
      process.off('SIGINT', onSignal);
      store.close();
    }
  },
};
