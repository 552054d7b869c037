// Observes what the real Codex 0.169 app-server changes in its own SQLite databases for each thread
// mutation: runs it offline on a copy of the 0.169 fixture home (so it has used the home: backfill,
// read-repair), with a loopback stand-in for the model so that it can run real turns (history
// projection, read receipts), dumps every database before and after each of its own mutations, and
// prints the rows that changed. docs/codex-databases.md records the facts.
//   node scripts/interop/observe-codex-db.ts [--json] [--keep]
// Needs the real Codex (bash scripts/interop/install-codex.sh).

import { cpSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { diffDumps, dumpHome, codexDbFiles, type RowChange } from '../../test/helpers/codex-db-dump.ts';
import { FIXTURES, makeTempDir, removeDir } from '../../test/helpers/home.ts';
import { startMockResponses } from '../../test/helpers/mock-responses.ts';
import { RealCodexProcess, realCodexBin } from '../../test/helpers/real-codex.ts';

const asJson = process.argv.includes('--json');
const keep = process.argv.includes('--keep');
const bin = realCodexBin();
if (!bin) {
  console.error('real Codex is not installed: run bash scripts/interop/install-codex.sh');
  process.exit(2);
}

const scratch = makeTempDir('codex-observe-');
const home = join(scratch, 'codex-home');
cpSync(join(FIXTURES, 'codex-0.169.0', 'home'), home, { recursive: true });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function fileList(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!/\.sqlite(-wal|-shm)?$/.test(name)) out.push(relative(home, p));
    }
  };
  walk(home);
  return out.sort();
}

interface Step {
  name: string;
  changes: RowChange[];
  filesAdded: string[];
  filesRemoved: string[];
  result: unknown;
}
const steps: Step[] = [];

async function observe(name: string, action: () => Promise<unknown>): Promise<unknown> {
  const before = dumpHome(home);
  const filesBefore = fileList();
  const result = await action();
  await sleep(700); // let Codex's background writers (history projection, row updates) finish
  const after = dumpHome(home);
  const filesAfter = fileList();
  steps.push({
    name,
    changes: diffDumps(before, after).filter((c) => !c.db.startsWith('logs_')),
    filesAdded: filesAfter.filter((f) => !filesBefore.includes(f)),
    filesRemoved: filesBefore.filter((f) => !filesAfter.includes(f)),
    result,
  });
  return result;
}

const model = await startMockResponses();
const codex = new RealCodexProcess(bin, home, join(scratch, 'user-home'), [`model_providers.realcodex_mock.base_url="${model.baseUrl}"`]);

async function runTurn(threadId: string, text: string): Promise<unknown> {
  const started = await codex.call('turn/start', { threadId, input: [{ type: 'text', text, text_elements: [] }] });
  await codex.waitFor((m) => m.method === 'turn/completed' && m.params?.turn?.id === started.turn.id, 30000);
  return started;
}

try {
  await codex.initializeCodex();
  // Use the home as a user would: list both sides (read-repair) and read every thread (projection).
  const listed = await codex.call('thread/list', { limit: 100, sourceKinds: [] });
  await codex.call('thread/list', { limit: 100, sourceKinds: [], archived: true });
  for (const t of listed.data) await codex.call('thread/read', { threadId: t.id, includeTurns: true });
  await sleep(1000);

  const started = (await observe('thread/start', () => codex.call('thread/start', { cwd: home }))) as { thread: { id: string } };
  const id = started.thread.id;
  await observe('thread/inject_items (first, materializes)', () => codex.call('thread/inject_items', {
    threadId: id,
    items: [
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Observed prompt' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Observed answer' }] },
    ],
  }));
  await observe('thread/inject_items (second)', () => codex.call('thread/inject_items', {
    threadId: id,
    items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Second prompt' }] }],
  }));
  await observe('thread/name/set', () => codex.call('thread/name/set', { threadId: id, name: 'Observed name' }));
  await observe('thread/metadata/update', () => codex.call('thread/metadata/update', { threadId: id, gitInfo: { sha: 'abc123', branch: 'main', originUrl: 'https://example.invalid/r.git' } }));
  // A thread with real turns: the history projection and the read receipt.
  const turned = (await observe('thread/start (for turns)', () => codex.call('thread/start', { cwd: home }))) as { thread: { id: string } };
  await observe('turn/start (first turn: the thread reaches the disk)', () => runTurn(turned.thread.id, 'First real turn'));
  await observe('turn/start (second turn)', () => runTurn(turned.thread.id, 'Second real turn'));
  await observe('thread/inject_items (thread with turns)', () => codex.call('thread/inject_items', { threadId: turned.thread.id, items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Injected after turns' }] }] }));
  await observe('thread/archive (thread with turns)', () => codex.call('thread/archive', { threadId: turned.thread.id }));
  await observe('thread/unarchive (thread with turns)', () => codex.call('thread/unarchive', { threadId: turned.thread.id }));
  await observe('thread/name/set (thread with turns)', () => codex.call('thread/name/set', { threadId: turned.thread.id, name: 'With turns' }));
  const turnedFork = (await observe('thread/fork (thread with turns)', () => codex.call('thread/fork', { threadId: turned.thread.id }))) as { thread: { id: string } };
  await observe('thread/delete (fork of the thread with turns)', () => codex.call('thread/delete', { threadId: turnedFork.thread.id }));
  await observe('thread/delete (thread with turns)', () => codex.call('thread/delete', { threadId: turned.thread.id }));

  const old = listed.data[listed.data.length - 1].id as string;
  await observe('thread/name/set (not loaded)', () => codex.call('thread/name/set', { threadId: old, name: 'Old renamed' }));
  await observe('thread/archive (loaded)', () => codex.call('thread/archive', { threadId: id }));
  await observe('thread/unarchive', () => codex.call('thread/unarchive', { threadId: id }));
  await observe('thread/archive (not loaded)', () => codex.call('thread/archive', { threadId: old }));
  await observe('thread/unarchive (not loaded)', () => codex.call('thread/unarchive', { threadId: old }));
  const forked = (await observe('thread/fork', () => codex.call('thread/fork', { threadId: id }))) as { thread: { id: string } };
  await observe('thread/delete (fork)', () => codex.call('thread/delete', { threadId: forked.thread.id }));
  await observe('thread/delete', () => codex.call('thread/delete', { threadId: id }));
} finally {
  await codex.close();
  await model.close();
}

const versions: Record<string, number[]> = {};
for (const file of codexDbFiles(home)) {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    versions[relative(home, file)] = (db.prepare('SELECT version FROM _sqlx_migrations ORDER BY version').all() as { version: number }[]).map((r) => Number(r.version));
  } finally {
    db.close();
  }
}

if (asJson) {
  console.log(JSON.stringify({ versions, steps }, null, 2));
} else {
  for (const [db, v] of Object.entries(versions)) console.log(`${db}: ${v.length} migrations, ${v[0]}..${v[v.length - 1]}`);
  for (const step of steps) {
    console.log(`\n== ${step.name}`);
    for (const f of step.filesAdded) console.log(`  + file ${f}`);
    for (const f of step.filesRemoved) console.log(`  - file ${f}`);
    for (const c of step.changes) {
      if (c.kind === 'changed') console.log(`  ~ ${c.db} ${c.table} ${c.key}: ${JSON.stringify(c.columns)}`);
      else console.log(`  ${c.kind === 'added' ? '+' : '-'} ${c.db} ${c.table} ${c.key}: ${JSON.stringify(c.row).slice(0, 600)}`);
    }
  }
}
if (keep) console.error(`home kept at ${home}`);
else removeDir(scratch);
