// Scenario 4: a damaged index (random bytes, truncated, a leftover -wal, a newer schema) and
// damaged rollouts (cut mid-line, garbage, empty, binary, one huge line). In every case the server
// starts and answers, doctor names the problem, and no rollout is deleted or changed.

import { spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, openSync, readFileSync, readdirSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { buildDoctorReport, type DoctorReport } from '../../src/store/doctor.ts';
import { openStateStore } from '../../src/store/open.ts';
import { generateHome } from '../bench/gen-home.ts';
import { NODE_BIN } from '../../test/helpers/app-server.ts';
import { STATE_DB, callLong, hashRollouts, listAll, rng, rolloutFiles, startServer, waitForBackfill } from './lib.ts';

export interface CorruptionCase {
  name: string;
  /** Damages the home; returns what doctor must say about it before the server repairs anything. */
  damage: (home: string, rand: () => number) => void;
  /** The doctor report (taken before the server starts) shows the problem. */
  reported: (report: DoctorReport) => boolean;
}

export interface CorruptionOutcome {
  name: string;
  problems: string[];
  listed: number;
  doctorBefore: string;
  doctorAfter: string;
}

const WAL_WRITER = `
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(process.argv[1]);
db.exec('PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0');
db.prepare("UPDATE threads SET name = 'kept in the wal' WHERE id = (SELECT MIN(id) FROM threads)").run();
process.kill(process.pid, 'SIGKILL');
`;

function overwrite(path: string, offset: number, bytes: Buffer): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

function randomBytes(rand: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

const integrityFailed = (r: DoctorReport) => r.exists && !r.integrity.ok;

export const DB_CASES: CorruptionCase[] = [
  {
    name: 'random bytes over index pages',
    damage: (home, rand) => {
      const path = join(home, STATE_DB);
      const pages = Math.floor(statSync(path).size / 4096);
      for (let i = 0; i < Math.max(4, pages / 2); i++) overwrite(path, 4096 * (1 + Math.floor(rand() * (pages - 1))) + 8, randomBytes(rand, 1024));
    },
    reported: integrityFailed,
  },
  {
    name: 'random bytes over the header',
    damage: (home, rand) => overwrite(join(home, STATE_DB), 0, randomBytes(rand, 100)),
    reported: integrityFailed,
  },
  {
    name: 'truncated index',
    damage: (home) => {
      const path = join(home, STATE_DB);
      truncateSync(path, Math.floor(statSync(path).size / 3));
    },
    reported: integrityFailed,
  },
  {
    name: 'leftover -wal of a killed writer',
    damage: (home) => {
      spawnSync(NODE_BIN, ['-e', WAL_WRITER, join(home, STATE_DB)]);
      if (statSync(join(home, `${STATE_DB}-wal`), { throwIfNoEntry: false })?.size === 0) throw new Error('no -wal was left behind');
    },
    // Not a problem: SQLite replays it; doctor must still read a sound index with the row.
    reported: (r) => r.integrity.ok && r.counts !== null && r.counts.threads > 0,
  },
  {
    name: 'garbage -wal',
    damage: (home, rand) => writeFileSync(join(home, `${STATE_DB}-wal`), randomBytes(rand, 64 * 1024)),
    reported: (r) => r.integrity.ok,
  },
  {
    name: 'index from a newer schema',
    damage: (home) => {
      const db = new DatabaseSync(join(home, STATE_DB));
      db.exec("INSERT INTO schema_migrations (version, name, checksum, applied_at_ms, duration_ms) VALUES (9999, 'from_the_future', 'x', 0, 0)");
      db.exec('CREATE TABLE future_things (id INTEGER PRIMARY KEY)');
      db.close();
    },
    reported: (r) => r.newerSchema && r.schemaVersion === 9999,
  },
];

/** Rollout damage, applied together to one home: the healthy threads must stay listed. */
export function damageRollouts(home: string, rand: () => number, hugeLineMb: number): string[] {
  const files = rolloutFiles(home).filter((f) => f.includes('/sessions/'));
  const [cut, garbage, empty, binary, huge] = files;
  // Cut in the middle of the last line, as a writer killed mid-append would leave it.
  const body = readFileSync(cut, 'utf8').trimEnd();
  const lastLine = body.length - body.lastIndexOf('\n');
  truncateSync(cut, Buffer.byteLength(body) - Math.floor(lastLine / 2));
  writeFileSync(garbage, Array.from({ length: 50 }, (_, i) => `this is not json ${i} ${rand()}`).join('\n'));
  writeFileSync(empty, '');
  writeFileSync(binary, randomBytes(rand, 256 * 1024));
  const line = JSON.stringify({ timestamp: new Date().toISOString(), type: 'response_item', payload: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'y'.repeat(hugeLineMb * 1024 * 1024) }] } });
  appendFileSync(huge, `${line}\n`);
  return [cut, garbage, empty, binary, huge];
}

function buildIndexedHome(home: string, threads: number, seed: number): Promise<void> {
  generateHome({ out: home, threads, seed });
  const store = openStateStore(home);
  return store.startBackgroundIndexing().then(() => store.close(), (err: unknown) => { store.close(); throw err; });
}

function summary(r: DoctorReport): string {
  return JSON.stringify({ integrity: r.integrity.detail, schema: r.schemaVersion, newer: r.newerSchema, threads: r.counts?.threads, failed: r.failedFiles.length, healthy: r.healthy });
}

function compareHashes(before: Map<string, string>, after: Map<string, string>, problems: string[]): void {
  for (const [file, hash] of before) {
    const now = after.get(file);
    if (now === undefined) problems.push(`rollout deleted: ${file}`);
    else if (now !== hash) problems.push(`rollout changed: ${file}`);
  }
}

/** One damaged-index case in its own home. */
export async function runDbCase(workDir: string, c: CorruptionCase, threads: number, seed: number): Promise<CorruptionOutcome> {
  const rand = rng(seed);
  const home = join(workDir, c.name.replace(/\W+/g, '-'));
  await buildIndexedHome(home, threads, seed);
  c.damage(home, rand);
  const before = hashRollouts(home);
  const problems: string[] = [];
  const report = await buildDoctorReport(home);
  if (!c.reported(report)) problems.push(`doctor did not report it: ${summary(report)}`);
  const server = await startServer(home);
  let listed = 0;
  try {
    listed = (await listAll(server, false)).length + (await listAll(server, true)).length;
    if (listed !== before.size) problems.push(`listed ${listed} threads, ${before.size} rollouts on disk`);
    await callLong(server, 'thread/read', { threadId: (await listAll(server, false))[0].id, includeTurns: true });
    await waitForBackfill(home);
  } catch (err) {
    problems.push(`server: ${String(err)}`);
  } finally {
    await server.close();
  }
  compareHashes(before, hashRollouts(home), problems);
  const after = await buildDoctorReport(home);
  if (!after.integrity.ok) problems.push(`index still damaged after a server start: ${summary(after)}`);
  if (integrityFailed(report) && !readdirSync(home).some((n) => n.startsWith(`${STATE_DB}.corrupt-`))) problems.push('the damaged index was not kept aside');
  return { name: c.name, problems, listed, doctorBefore: summary(report), doctorAfter: summary(after) };
}

/** Every kind of rollout damage in one home. */
export async function runRolloutCase(workDir: string, threads: number, seed: number, hugeLineMb: number): Promise<CorruptionOutcome> {
  const rand = rng(seed);
  const home = join(workDir, 'damaged-rollouts');
  await buildIndexedHome(home, threads, seed);
  const damaged = damageRollouts(home, rand, hugeLineMb);
  const before = hashRollouts(home);
  const problems: string[] = [];
  const reportBefore = await buildDoctorReport(home);
  if (reportBefore.healthy || (reportBefore.disk?.changedFingerprints.length ?? 0) < damaged.length) {
    problems.push(`doctor did not report the damaged files: ${summary(reportBefore)} ${JSON.stringify(reportBefore.disk?.changedFingerprints)}`);
  }
  const server = await startServer(home);
  let listed = 0;
  try {
    const active = await listAll(server, false);
    listed = active.length + (await listAll(server, true)).length;
    // A cut last line and a huge line leave a readable thread; the others cannot be listed.
    const listedIds = new Set(active.map((t: { id: string }) => t.id));
    for (const [i, file] of damaged.entries()) {
      const shouldList = i === 0 || i === 4;
      if (listedIds.has(/([0-9a-f-]{36})\.jsonl$/.exec(file)?.[1] ?? '') !== shouldList) problems.push(`${shouldList ? 'not listed' : 'listed'}: ${file}`);
    }
    if (listed !== before.size - 3) problems.push(`listed ${listed} threads, expected ${before.size - 3}`);
    for (const file of damaged) {
      const id = /([0-9a-f-]{36})\.jsonl$/.exec(file)?.[1] ?? '';
      const answer = await callLong(server, 'thread/read', { threadId: id, includeTurns: true }).then(() => 'ok', (err: unknown) => String(err));
      if (!/ok|failed: \{"code":-32600/.test(answer)) problems.push(`thread/read of damaged ${id}: ${answer.slice(0, 300)}`);
    }
    await waitForBackfill(home);
  } catch (err) {
    problems.push(`server: ${String(err)}`);
  } finally {
    await server.close();
  }
  compareHashes(before, hashRollouts(home), problems);
  const after = await buildDoctorReport(home);
  const failed = new Set(after.failedFiles.map((f) => join(home, f.path)));
  for (const file of damaged.slice(1, 4)) if (!failed.has(file)) problems.push(`doctor does not list ${file} as failing`);
  return { name: 'damaged rollouts', problems, listed, doctorBefore: summary(reportBefore), doctorAfter: summary(after) };
}
