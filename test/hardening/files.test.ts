// Hostile files and failing disks against the real server process: FIFOs named like rollouts and
// indexes, a rollout swapped for a symlink while it is written, a full disk (2 MB tmpfs), a
// read-only home, a rollout changed while its answer streams, and partial lines for doctor.

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, readdirSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppServerProcess, CLI, NODE_BIN, REPO_ROOT, type Json } from '../helpers/app-server.ts';
import { materializedThread, rolloutFifo, spillHeavyRollout, userItem } from '../helpers/hostile.ts';
import { servedHome } from '../helpers/served-home.ts';
import { fillFileSystem, remountReadOnly } from '../helpers/tmpfs.ts';
import { sleep, within } from '../helpers/wait.ts';

function jsonLines(path: string): Json[] {
  const text = readFileSync(path, 'utf8');
  assert.ok(text === '' || text.endsWith('\n'), `${path} does not end with a newline`);
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

describe('hardening: only regular files are opened', function () {
  this.timeout(60000);
  const t = servedHome({ each: true });

  it('a FIFO named like a rollout never blocks: reads of it fail at once, other threads stay served, the server exits on stdin close', async () => {
    const { fifoId, fifo } = rolloutFifo(t.home);
    const server = await t.ready();
    const resumed = await within(server.request('thread/resume', { threadId: fifoId, path: fifo }), 10000, 'thread/resume of the FIFO');
    assert.ok(resumed.error, JSON.stringify(resumed));
    const list = await server.call('thread/list', { sourceKinds: [] });
    const other = list.data[0].id;
    const reads = await within(Promise.all(Array.from({ length: 6 }, () => server.request('thread/read', { threadId: fifoId, includeTurns: true }))), 10000, 'reads of the FIFO');
    for (const r of reads) assert.ok(r.error, JSON.stringify(r));
    const read = await within(server.request('thread/read', { threadId: other, includeTurns: true }), 10000, 'thread/read of another thread');
    assert.ok(read.result, JSON.stringify(read.error));
    assert.deepEqual((await within(server.request('thread/name/set', { threadId: other, name: 'still served' }), 10000, 'thread/name/set')).result, {});
    assert.equal(await within(server.close(), 10000, 'exit after stdin closed'), 0);
  });

  it('a FIFO in place of the index or of session_index.jsonl is refused without blocking', async () => {
    execFileSync('mkfifo', [join(t.home, 'threadstate_1.sqlite')]);
    rmSync(join(t.home, 'session_index.jsonl'), { force: true });
    execFileSync('mkfifo', [join(t.home, 'session_index.jsonl')]);
    const server = t.start();
    await within(server.initialize(), 10000, 'initialize');
    const list = await within(server.request('thread/list', { sourceKinds: [] }), 10000, 'thread/list');
    assert.ok(list.result.data.length > 0);
    const rename = await within(server.request('thread/name/set', { threadId: list.result.data[0].id, name: 'x' }), 10000, 'thread/name/set');
    assert.equal(rename.error.code, -32600);
    assert.match(rename.error.message, /session_index\.jsonl is a FIFO, not a regular file/);
    assert.equal(await within(server.close(), 10000, 'exit'), 0);
  });
});

describe('hardening: writes stay in the home', function () {
  this.timeout(60000);
  const t = servedHome({ from: 'empty', each: true });
  let server: AppServerProcess;
  let outside: string;

  beforeEach(async () => {
    outside = join(t.root, 'outside', 'victim.jsonl');
    mkdirSync(join(t.root, 'outside'));
    server = await t.ready();
  });

  it('a rollout swapped for a symlink to an outside file while injects run: nothing lands outside, every acknowledged inject is in the thread', async () => {
    const { threadId, path } = await materializedThread(server, '/work/hardening');
    writeFileSync(outside, readFileSync(path));
    const outsideBefore = readFileSync(outside, 'utf8');
    // Another process swaps the rollout for a link to the outside file and back, over and over.
    const swapper = spawn(NODE_BIN, ['-e', `
      const fs = require('node:fs');
      const [path, outside, stash] = process.argv.slice(1);
      const until = Date.now() + 4000;
      while (Date.now() < until) {
        fs.renameSync(path, stash);
        fs.symlinkSync(outside, path);
        for (let i = 0; i < 2000; i++);
        fs.unlinkSync(path);
        fs.renameSync(stash, path);
        for (let i = 0; i < 2000; i++);
      }
    `, path, outside, join(t.home, 'stash.jsonl')], { stdio: 'inherit' });
    const swapperDone = new Promise((resolve) => swapper.on('exit', resolve));
    const acknowledged: string[] = [];
    let refused = 0;
    for (let i = 0; swapper.exitCode === null && i < 2000; i++) {
      const text = `inject-${i}`;
      const reply = await server.request('thread/inject_items', { threadId, items: [userItem(text)] });
      if (reply.result) acknowledged.push(text);
      else {
        refused++;
        assert.ok([-32600, -32603].includes(reply.error.code), JSON.stringify(reply.error));
      }
    }
    await swapperDone;
    assert.equal(readFileSync(outside, 'utf8'), outsideBefore, 'the outside file was written');
    const inThread = readFileSync(path, 'utf8');
    for (const text of acknowledged) assert.ok(inThread.includes(`"${text}"`), `acknowledged ${text} is missing from the rollout`);
    assert.ok(acknowledged.length > 0 && refused > 0, `acknowledged ${acknowledged.length}, refused ${refused}: the race did not happen`);
    for (const line of inThread.split('\n').filter((l) => l !== '')) JSON.parse(line);
  });

  it('refuses to append through a final symlink or a directory that resolves outside the home, naming the file', async () => {
    const { threadId, path } = await materializedThread(server, '/work/hardening');
    writeFileSync(outside, readFileSync(path));
    const stash = `${path}.stash`;
    execFileSync('mv', [path, stash]);
    execFileSync('ln', ['-s', outside, path]);
    const reply = await server.request('thread/inject_items', { threadId, items: [userItem('through a link')] });
    assert.equal(reply.error.code, -32600);
    assert.ok(reply.error.message.includes(path), reply.error.message);
    assert.doesNotMatch(readFileSync(outside, 'utf8'), /through a link/);
    unlinkSync(path);
    execFileSync('mv', [stash, path]);
    const day = join(path, '..');
    const away = join(t.root, 'outside', 'day');
    execFileSync('mv', [day, away]);
    execFileSync('ln', ['-s', away, day]);
    const viaDir = await server.request('thread/inject_items', { threadId, items: [userItem('through a linked dir')] });
    assert.equal(viaDir.error.code, -32600, JSON.stringify(viaDir));
    assert.doesNotMatch(readFileSync(join(away, readdirSync(away)[0]), 'utf8'), /through a linked dir/);
  });
});

describe('hardening: a full disk (2 MB tmpfs)', function () {
  this.timeout(60000);
  const t = servedHome({ from: 'empty', tmpfsKb: 2048 });
  let server: AppServerProcess;

  it('out of space: nothing is acknowledged that is not on disk, nothing partial is left, later writes land whole', async () => {
    server = await t.ready(['--no-index']);
    const { threadId, path } = await materializedThread(server, '/work/hardening');
    await server.call('thread/name/set', { threadId, name: 'before the disk filled' });
    const index = join(t.home, 'session_index.jsonl');
    const indexBefore = readFileSync(index, 'utf8');
    const rolloutBefore = readFileSync(path, 'utf8');
    const filler = join(t.root, 'filler');
    fillFileSystem(filler);

    const rename = await server.request('thread/name/set', { threadId, name: 'n'.repeat(6000) });
    assert.equal(rename.error?.code, -32603, JSON.stringify(rename));
    assert.ok(rename.error.message.includes(index) && /ENOSPC/.test(rename.error.message), rename.error.message);
    assert.equal(readFileSync(index, 'utf8'), indexBefore);

    const inject = await server.request('thread/inject_items', { threadId, items: [userItem('i'.repeat(6000))] });
    assert.equal(inject.error?.code, -32603, JSON.stringify(inject));
    assert.ok(inject.error.message.includes(path), inject.error.message);
    assert.equal(readFileSync(path, 'utf8'), rolloutBefore);

    const start = await server.request('thread/start', { cwd: '/work/full' });
    if (start.result) {
      const materialize = await server.request('thread/inject_items', { threadId: start.result.thread.id, items: [userItem('x'.repeat(6000))] });
      assert.equal(materialize.error?.code, -32603, JSON.stringify(materialize));
    }

    unlinkSync(filler);
    await server.call('thread/name/set', { threadId, name: 'after space was freed' });
    await server.call('thread/inject_items', { threadId, items: [userItem('after space was freed')] });
    const names = jsonLines(index);
    assert.equal(names.at(-1).thread_name, 'after space was freed');
    assert.ok(jsonLines(path).some((l) => JSON.stringify(l).includes('after space was freed')));
    assert.equal((await server.call('thread/read', { threadId })).thread.name, 'after space was freed');
    for (const dir of readdirSync(join(path, '..'))) assert.doesNotMatch(dir, /\.tmp$/, 'a temp file was left behind');
  });

  it('a partial last line left by another writer never swallows the next record', async () => {
    const index = join(t.home, 'session_index.jsonl');
    const { threadId } = await materializedThread(server, '/work/hardening');
    appendFileSync(index, '{"id":"torn","thread_name":"torn wri');
    await server.call('thread/name/set', { threadId, name: 'after a torn line' });
    const lines = readFileSync(index, 'utf8').split('\n');
    assert.equal(JSON.parse(lines.at(-2)!).thread_name, 'after a torn line');
    assert.equal((await server.call('thread/read', { threadId })).thread.name, 'after a torn line');
  });
});

describe('hardening: partial lines in doctor', function () {
  this.timeout(60000);
  const t = servedHome();
  it('doctor reports partial lines in session_index.jsonl and unterminated rollouts, and exits 1', async () => {
    const home = t.home;
    const backfill = spawnSync(NODE_BIN, [CLI, 'backfill', '--codex-home', home], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(backfill.status, 0, backfill.stderr);
    const healthy = spawnSync(NODE_BIN, [CLI, 'doctor', '--codex-home', home, '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(healthy.status, 0, healthy.stdout);
    assert.deepEqual(JSON.parse(healthy.stdout).partialLines, []);
    appendFileSync(join(home, 'session_index.jsonl'), '{"id":"01a2f000-0000-7000-8000-00000000000a","thread_name":"tor');
    const doctor = spawnSync(NODE_BIN, [CLI, 'doctor', '--codex-home', home, '--json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(doctor.status, 1);
    const partial = JSON.parse(doctor.stdout).partialLines as Json[];
    assert.equal(partial.length, 1);
    assert.equal(partial[0].path, join(home, 'session_index.jsonl'));
    const text = spawnSync(NODE_BIN, [CLI, 'doctor', '--codex-home', home], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.match(text.stdout, /partial lines .*\(1\)/);
  });
});

describe('hardening: a read-only home', function () {
  this.timeout(90000);
  const t = servedHome({ tmpfsKb: 16 * 1024 });

  it('list, read, search and memory read work from the existing index; writes fail with a clear error', async () => {
    let server = await t.ready([], { capabilities: { experimentalApi: true } });
    const { threadId } = await materializedThread(server, '/work/readonly');
    await server.call('thread/inject_items', { threadId, items: [userItem('zebraquartz is the word')] });
    await server.call('thread/name/set', { threadId, name: 'read-only check' });
    await server.call('thread/memory/write', { threadId, traceSummary: 'trace', memorySummary: 'memo' });
    assert.equal(await server.close(), 0);
    remountReadOnly(t.root);

    server = await t.ready([], { capabilities: { experimentalApi: true } });
    const list = await server.call('thread/list', { sourceKinds: [], useStateDbOnly: true });
    assert.ok(list.data.some((t: Json) => t.id === threadId));
    const read = await server.call('thread/read', { threadId, includeTurns: true });
    assert.equal(read.thread.name, 'read-only check');
    const search = await server.call('thread/search', { query: 'zebraquartz' });
    assert.deepEqual(search.data.map((h: Json) => h.thread.id), [threadId]);
    const memory = await server.call('thread/memory/read', { threadId });
    assert.equal(memory.memory.memorySummary, 'memo');

    const rename = await server.request('thread/name/set', { threadId, name: 'nope' });
    assert.equal(rename.error.code, -32600);
    assert.match(rename.error.message, /session_index\.jsonl.*read-only/);
    await server.call('thread/resume', { threadId });
    const inject = await server.request('thread/inject_items', { threadId, items: [userItem('nope')] });
    assert.equal(inject.error.code, -32600, JSON.stringify(inject));
    assert.match(inject.error.message, /read-only/);
    const memo = await server.request('thread/memory/write', { threadId, traceSummary: 't', memorySummary: 'm' });
    assert.equal(memo.error.code, -32600);
    assert.match(memo.error.message, /threadstate-memory\.jsonl.*read-only/);
    const archive = await server.request('thread/archive', { threadId });
    assert.equal(archive.error.code, -32600, JSON.stringify(archive));
    assert.match(archive.error.message, /read-only/);
    assert.equal(await server.close(), 0);
  });
});

describe('hardening: a rollout changed under a streamed answer', function () {
  this.timeout(60000);
  const t = servedHome();

  it('is never a successful answer with altered strings: the client gets an error for its id', async () => {
    const { path, threadId } = spillHeavyRollout(t.home);
    const server = await t.ready();
    // The answer stalls in the pipe while the client does not read; the file is cut meanwhile.
    server.child.stdout.pause();
    server.send({ id: 'big', method: 'thread/read', params: { threadId, includeTurns: true } });
    await sleep(2000);
    truncateSync(path, 4096);
    server.child.stdout.resume();
    const reply = await server.waitFor((m) => m.id === 'big', 20000);
    assert.equal(reply.result, undefined, 'a successful answer was sent');
    assert.equal(reply.error.code, -32603);
    assert.ok(reply.error.message.includes(path) && /changed while its answer/.test(reply.error.message), reply.error.message);
    await sleep(200);
    assert.equal(server.messages.filter((m) => m.id === 'big').length, 1);
    // The server goes on serving.
    assert.ok((await server.call('thread/loaded/list', {})).data);
  });
});
