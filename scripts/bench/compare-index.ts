// Checks that two checkouts build the same index from the same home: each one in turn indexes a
// hard-link clone of the home with `threadstate backfill` (both phases), then every thread row
// (but its indexing time), every search document (its key order, filter columns, item map and
// text), every dynamic tool and index failure, and the answers of a few full-text queries are
// compared. Exits 1 on the first difference, printing it.
//
//   node scripts/bench/compare-index.ts --home DIR --server /work/main,.   (run `npm run build` in each first)

import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { isDeepStrictEqual, parseArgs } from 'node:util';

type Row = Record<string, unknown>;

const QUERIES = ['refactor', 'parser release', 'build OR deploy', 'schema NOT cache', '"query deploy"', 'xxx*', 'bin bash'];

function cloneInto(home: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', to]);
  const entries = readdirSync(home).filter((n) => !n.startsWith('threadstate'));
  if (entries.length > 0) execFileSync('cp', ['-al', ...entries.map((n) => join(home, n)), to], { stdio: 'ignore' });
}

function dump(dbPath: string): Record<string, Row[]> {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    const all = (sql: string): Row[] => db.prepare(sql).all() as Row[];
    const threads = all('SELECT * FROM threads ORDER BY id').map(({ indexed_at_ms: _t, ...rest }) => rest);
    // Keys compared by rank, not value: the order documents were written in is what thread/search's window uses.
    const docs = all(`SELECT i.thread_id, i.listable, i.archived, i.source_kind, i.cwd, i.items, t.text,
        (SELECT count(*) FROM thread_search_items j WHERE j.key < i.key) AS key_rank
      FROM thread_search_items i JOIN thread_search_text t ON t.rowid = i.key ORDER BY i.key`);
    const tools = all('SELECT * FROM thread_dynamic_tools ORDER BY 1, 2, 3');
    const failures = all('SELECT path, error, size, mtime_ms, attempts FROM index_failures ORDER BY path');
    const out: Record<string, Row[]> = { threads, docs, tools, failures };
    for (const q of QUERIES) {
      out[`search ${q}`] = all(`SELECT k.thread_id, bm25(thread_search_text) AS r FROM thread_search_text f JOIN thread_search_items k ON k.key = f.rowid
        WHERE thread_search_text MATCH '${q.replace(/'/g, "''")}' ORDER BY r, k.thread_id LIMIT 50`);
    }
    return out;
  } finally {
    db.close();
  }
}

function firstDifference(a: Row[], b: Row[]): string | null {
  if (a.length !== b.length) return `${a.length} vs ${b.length} rows`;
  for (let i = 0; i < a.length; i++) {
    if (isDeepStrictEqual(a[i], b[i])) continue;
    const keys = Object.keys(a[i]).filter((k) => !isDeepStrictEqual(a[i][k], b[i][k]));
    return `row ${i} (${JSON.stringify(a[i].id ?? a[i].thread_id ?? null)}): ${keys.map((k) => `${k}: ${JSON.stringify(a[i][k])?.slice(0, 200)} vs ${JSON.stringify(b[i][k])?.slice(0, 200)}`).join('; ')}`;
  }
  return null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { home: { type: 'string' }, server: { type: 'string' } } });
  if (!values.home || !values.server || values.server.split(',').length !== 2) {
    process.stderr.write('usage: node scripts/bench/compare-index.ts --home DIR --server REPO_A,REPO_B\n');
    process.exit(2);
  }
  const home = resolve(values.home);
  const dumps = values.server.split(',').map((server) => {
    const repo = resolve(server);
    // The same path for both: rollout paths are stored absolute.
    const clone = `${home}.cmp`;
    cloneInto(home, clone);
    const t = performance.now();
    execFileSync(process.execPath, [join(repo, 'bin', 'threadstate.mjs'), 'backfill', '--codex-home', clone], { stdio: ['ignore', 'ignore', 'inherit'], cwd: repo });
    console.log(`${repo}: indexed in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    const db = readdirSync(clone).find((n) => /^threadstate_\d+\.sqlite$/.test(n));
    if (!db) throw new Error(`no index in ${clone}`);
    const d = dump(join(clone, db));
    rmSync(clone, { recursive: true, force: true });
    return d;
  });
  let same = true;
  for (const table of Object.keys(dumps[0])) {
    const diff = firstDifference(dumps[0][table], dumps[1][table]);
    console.log(`${table}: ${diff === null ? `identical (${dumps[0][table].length} rows)` : `DIFFERENT: ${diff}`}`);
    if (diff !== null) same = false;
  }
  if (!same) process.exit(1);
}

await main();
