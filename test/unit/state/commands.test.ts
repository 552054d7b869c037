import assert from 'node:assert/strict';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { parseFlags } from '../../../src/commands/command.ts';
import { UsageError } from '../../../src/errors.ts';
import { backfillCommand, formatProgress } from '../../../src/commands/backfill.ts';
import { doctorCommand } from '../../../src/commands/doctor.ts';
import { stateDbPath } from '../../../src/sqlite/files.ts';
import type { DoctorReport } from '../../../src/store/doctor.ts';
import { copyFixtureHome } from '../../helpers/home.ts';
import { writeRollout } from './helpers.ts';

async function run(command: typeof backfillCommand, argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const origOut = process.stdout.write.bind(process.stdout);
  const origErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => { out.push(String(chunk)); return true; }) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { err.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    const code = await command.run(parseFlags(command, argv));
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    process.stdout.write = origOut;
    process.stderr.write = origErr;
  }
}

describe('state: backfill and doctor commands', () => {
  it('backfill indexes a real Codex home and prints progress and a summary', async () => {
    const home = copyFixtureHome('codex-0.98.0');
    const { code, stdout, stderr } = await run(backfillCommand, ['--codex-home', home]);
    assert.equal(code, 0);
    assert.match(stdout, /phase 1 \(list fields\): complete, 15 files scanned, 15 indexed, 0 failed/);
    assert.match(stdout, /reconcile: 15 files, 15 unchanged/);
    assert.match(stdout, /phase 2 \(turns and search text\): complete, 15 threads read in full, 0 failed/);
    assert.match(stdout, /index: 15 threads \(3 archived\), 0 files failing/);
    assert.match(stderr, /phase 1\/2, list fields: 15\/15 files, [\d.]+\/[\d.]+ MB, \d+ files\/s, [\d.]+ MB\/s, ETA 0s/);
    assert.match(stderr, /phase 2\/2, turns and search text: 15\/15 files, [\d.]+\/[\d.]+ MB, \d+ files\/s, [\d.]+ MB\/s, ETA 0s/);
    const again = await run(backfillCommand, ['--codex-home', home]);
    assert.match(again.stdout, /phase 1 \(list fields\): already complete/);
    assert.match(again.stdout, /phase 2 \(turns and search text\): complete\n/);
  });

  it('doctor reports a healthy index, then the differences from the disk, as text and JSON', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    const before = await run(doctorCommand, ['--codex-home', home]);
    assert.equal(before.code, 1);
    assert.match(before.stdout, /no index yet/);
    await run(backfillCommand, ['--codex-home', home]);
    const healthy = await run(doctorCommand, ['--codex-home', home, '--json']);
    assert.equal(healthy.code, 0);
    const report = JSON.parse(healthy.stdout) as DoctorReport;
    assert.equal(report.healthy, true);
    assert.equal(report.integrity.detail, 'ok');
    assert.deepEqual(report.counts, { threads: 14, archived: 3, listable: report.counts!.listable, failedFiles: 0 });
    assert.equal(report.backfill?.status, 'complete');
    assert.deepEqual(report.details, { pendingThreads: 0, pendingBytes: 0 });

    const added = writeRollout(home, { time: '2026-03-01T00-00-00' });
    const gone = readdirSync(`${home}/archived_sessions`)[0];
    rmSync(`${home}/archived_sessions/${gone}`);
    const broken = writeRollout(home, { time: '2026-03-02T00-00-00' });
    writeFileSync(broken.path, '\n\n');
    await run(backfillCommand, ['--codex-home', home]).then(() => undefined);
    // A different id for sure: flip the last hex digit.
    writeRollout(home, { time: '2026-03-03T00-00-00', id: added.id.replace(/.$/, (c) => (c === '0' ? '1' : '0')) });
    const text = await run(doctorCommand, ['--codex-home', home]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /failed files \(1\):\n {4}sessions\/2026\/03\/02\/rollout-2026-03-02T00-00-00-[0-9a-f-]+\.jsonl: empty session file/);
    assert.match(text.stdout, /files without a row \(1\)/);
    assert.match(text.stdout, /not in sync/);
  });

  it('doctor reports a damaged index without moving it; --rebuild moves it aside and rebuilds', async () => {
    const home = copyFixtureHome('codex-0.169.0');
    await run(backfillCommand, ['--codex-home', home]);
    writeFileSync(stateDbPath(home), 'garbage that is not sqlite');
    rmSync(`${stateDbPath(home)}-wal`, { force: true });
    rmSync(`${stateDbPath(home)}-shm`, { force: true });
    const damaged = await run(doctorCommand, ['--codex-home', home, '--json']);
    assert.equal(damaged.code, 1);
    const report = JSON.parse(damaged.stdout) as DoctorReport;
    assert.equal(report.integrity.ok, false);
    assert.match(report.integrity.detail, /not a database/);
    assert.deepEqual(readdirSync(home).filter((n) => n.includes('.corrupt-') || n.includes('.rebuild-')), []);

    const rebuilt = await run(doctorCommand, ['--codex-home', home, '--rebuild']);
    assert.equal(rebuilt.code, 0, rebuilt.stdout + rebuilt.stderr);
    assert.match(rebuilt.stderr, /moved the index to .*threadstate_1\.sqlite\.rebuild-/);
    assert.match(rebuilt.stdout, /healthy\n$/);
    assert.equal(readdirSync(home).filter((n) => /^threadstate_1\.sqlite\.rebuild-[0-9TZ]+$/.test(n)).length, 1);
  });

  it('formats progress with rate and ETA, and rejects unknown flags', () => {
    const line = formatProgress('backfill', { filesDone: 50, filesTotal: 100, bytesDone: 5 * 1024 * 1024, bytesTotal: 10 * 1024 * 1024 }, 1000, true);
    assert.equal(line, 'backfill: [############............] 50/100 files, 5.0/10.0 MB, 50 files/s, 5.0 MB/s, ETA 1s');
    assert.throws(() => parseFlags(doctorCommand, ['--rebuid']), UsageError);
    assert.throws(() => parseFlags(backfillCommand, ['--codex-home']), /needs a value/);
  });
});
