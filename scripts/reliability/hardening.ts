// Scenarios for hostile clients and failing files (issue 14): a client that goes away mid-answer,
// a client that does not read, a flood of slow requests, input Codex refuses, FIFOs and symlink
// swaps, a full disk, a rollout changed under a streamed answer, and a read-only home. Each
// returns figures and the problems it found.

import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync, closeSync, cpSync, mkdirSync, openSync, readFileSync, truncateSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { findPartialLines } from '../../src/rollout/partial-lines.ts';
import { fillFileSystem, mountTmpfs, remountReadOnly, unmount } from '../../test/helpers/tmpfs.ts';
import { FIXTURES } from '../../test/helpers/home.ts';
import { materializedThread, rolloutFifo, spillHeavyRollout, userItem } from '../../test/helpers/hostile.ts';
import { generateHome } from '../bench/gen-home.ts';
import { NODE_BIN } from '../../test/helpers/app-server.ts';
import { AppServerProcess, type Json, ask, peakRssKb, rng, rolloutFiles, sleep, startServer } from './lib.ts';

export interface Outcome {
  figures: Record<string, unknown>;
  problems: string[];
}

const OVERLOADED = { code: -32001, message: 'Server overloaded; retry later.' };

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, sleep(ms).then(() => 'timeout' as const)]);

/** Clients that close their end of stdout at random moments, mostly in the middle of a big answer. */
export async function clientGone(workDir: string, sessions: number, seed: number): Promise<Outcome> {
  const home = join(workDir, 'home');
  const gen = generateHome({ out: home, threads: 20, big: 1, bigMb: 20, seed });
  const bigId = /-([0-9a-f-]{36})\.jsonl$/.exec(gen.bigFiles[0])![1];
  const rand = rng(seed);
  const problems: string[] = [];
  let cleanExits = 0;
  let oneLogLine = 0;
  for (let i = 0; i < sessions; i++) {
    const server = new AppServerProcess(home, ['--log-level', 'info']);
    try {
      await server.initialize();
      server.send({ id: 'big', method: 'thread/read', params: { threadId: bigId, includeTurns: true } });
      for (let k = 0; k < 20; k++) server.send({ id: `l${k}`, method: 'thread/list', params: { limit: 50, sourceKinds: [] } });
      await sleep(Math.floor(rand() * 400));
      server.child.stdout.destroy();
      server.send({ id: 'after', method: 'thread/list', params: {} });
      const code = await within(server.exited, 20000);
      if (code === 0) cleanExits++;
      else problems.push(`session ${i}: exit ${String(code)}`);
      const lines = server.stderr.split('\n').filter((l) => /closed the connection/.test(l)).length;
      if (lines === 1) oneLogLine++;
      else problems.push(`session ${i}: ${lines} 'closed the connection' log lines`);
      if (/\n\s+at |Unhandled 'error'/.test(server.stderr)) problems.push(`session ${i}: a stack trace on stderr`);
    } finally {
      server.kill();
    }
  }
  return { figures: { sessions, cleanExits, oneLogLine }, problems };
}

/**
 * A client that pipelines `requests` thread/list pages and does not read for `pauseMs`, then one
 * that asks for a 50 MB history five times without reading; peak RSS is sampled throughout.
 */
export async function slowReader(workDir: string, requests: number, pauseMs: number, seed: number): Promise<Outcome> {
  const home = join(workDir, 'home');
  const gen = generateHome({ out: home, threads: 300, big: 1, bigMb: 50, seed });
  const bigId = /-([0-9a-f-]{36})\.jsonl$/.exec(gen.bigFiles[0])![1];
  const problems: string[] = [];
  const server = await startServer(home);
  try {
    await ask(server, 'thread/list', { limit: 1, sourceKinds: [] });
    const startRss = Math.round((peakRssKb(server.child.pid!) ?? 0) / 1024);
    server.child.stdout.pause();
    let sent = 0;
    let blockedAt = -1;
    const send = async (): Promise<void> => {
      for (; sent < requests; sent++) {
        const ok = server.child.stdin.write(`${JSON.stringify({ id: 10_000 + sent, method: 'thread/list', params: { limit: 25, sourceKinds: [] } })}\n`);
        if (!ok) {
          if (blockedAt < 0) blockedAt = sent;
          await new Promise((resolve) => server.child.stdin.once('drain', resolve));
        }
      }
    };
    const sending = send();
    await sleep(pauseMs);
    const listPeak = Math.round((peakRssKb(server.child.pid!) ?? 0) / 1024);
    const acceptedWhilePaused = sent;
    server.child.stdout.resume();
    await sending;
    const answersNow = () => server.messages.filter((m) => typeof m.id === 'number' && m.id >= 10_000);
    for (const deadline = Date.now() + 120_000; answersNow().length < requests && Date.now() < deadline;) await sleep(50);
    const answers = answersNow();
    const overloaded = answers.filter((m) => m.error && m.error.code === OVERLOADED.code).length;
    if (answers.length !== requests) problems.push(`answered ${answers.length} of ${requests}`);
    if (answers.some((m) => m.error && m.error.code !== OVERLOADED.code)) problems.push('an error other than -32001');
    // Big answers nobody reads.
    server.child.stdout.pause();
    for (let k = 0; k < 5; k++) server.send({ id: `big${k}`, method: 'thread/read', params: { threadId: bigId, includeTurns: true } });
    await sleep(pauseMs);
    const bigPeak = Math.round((peakRssKb(server.child.pid!) ?? 0) / 1024);
    server.child.stdout.resume();
    for (let k = 0; k < 5; k++) {
      const answer = await server.waitFor((m) => m.id === `big${k}`, 120_000).catch(() => null);
      if (!answer?.result) problems.push(`big read ${k}: ${answer ? JSON.stringify(answer.error) : 'no answer'}`);
    }
    const peak = Math.max(listPeak, bigPeak);
    if (peak >= 300) problems.push(`peak RSS ${peak} MB (target < 300 MB)`);
    if (blockedAt < 0) problems.push('the server never stopped reading');
    return {
      figures: { requests, pauseMs, rssAfterStartMb: startRss, acceptedWhilePaused, clientBlockedAfter: blockedAt, overloaded, peakRssListsMb: listPeak, peakRssBigReadsMb: bigPeak },
      problems,
    };
  } finally {
    server.kill();
  }
}

/** Slow requests (no index: every list reads every rollout) pipelined past the in-flight bound. */
export async function overload(workDir: string, requests: number, seed: number): Promise<Outcome> {
  const home = join(workDir, 'home');
  generateHome({ out: home, threads: 400, seed });
  const server = await startServer(home, ['--no-index']);
  const problems: string[] = [];
  try {
    let text = '';
    for (let i = 0; i < requests; i++) text += `${JSON.stringify({ id: 10_000 + i, method: 'thread/list', params: { limit: 5, sourceKinds: [] } })}\n`;
    const started = Date.now();
    server.sendRaw(text);
    // Refusals go out at once, so answers arrive out of order: wait for all of them.
    const answersNow = () => server.messages.filter((m) => typeof m.id === 'number' && m.id >= 10_000);
    for (const deadline = Date.now() + 300_000; answersNow().length < requests && Date.now() < deadline;) await sleep(50);
    const answers = answersNow();
    const overloaded = answers.filter((m) => m.error && JSON.stringify(m.error) === JSON.stringify(OVERLOADED)).length;
    const served = answers.filter((m) => m.result).length;
    if (answers.length !== requests) problems.push(`answered ${answers.length} of ${requests}`);
    if (served + overloaded !== answers.length) problems.push('an answer that is neither a result nor -32001');
    if (overloaded === 0) problems.push('nothing was refused');
    const after = await ask(server, 'thread/list', { limit: 5, sourceKinds: [] });
    if (!after?.result) problems.push('not serving after the flood');
    return { figures: { requests, served, overloaded, seconds: (Date.now() - started) / 1000 }, problems };
  } finally {
    server.kill();
  }
}

/** Ids, nesting and surrogates as Codex 0.169 takes them (observed with its app-server). */
export async function hostileInput(workDir: string): Promise<Outcome> {
  const home = join(workDir, 'home');
  cpSync(join(FIXTURES, 'codex-0.169.0', 'home'), home, { recursive: true });
  const server = await startServer(home);
  const problems: string[] = [];
  let cases = 0;
  try {
    const { threadId, path } = await materializedThread(server, '/work/input');
    const before = readFileSync(path, 'utf8');
    const nested = (n: number) => '['.repeat(n) + '"x"' + ']'.repeat(n);
    const refusedCases: Array<[string, string]> = [
      ['deep-100000', `{"id":"deep","method":"thread/inject_items","params":{"threadId":"${threadId}","items":[{"type":"custom","content":${nested(100_000)}}]}}`],
      ['deep-128', `{"id":"deep128","method":"thread/inject_items","params":{"threadId":"${threadId}","items":[{"type":"custom","content":${nested(124)}}]}}`],
      ['surrogate-text', `{"id":"sur","method":"thread/inject_items","params":{"threadId":"${threadId}","items":[{"type":"message","role":"user","content":[{"type":"input_text","text":"lone \\ud800 here"}]}]}}`],
      ['surrogate-name', `{"id":"surname","method":"thread/name/set","params":{"threadId":"${threadId}","name":"\\udfff"}}`],
      ['surrogate-key', `{"id":"surkey","method":"thread/list","params":{"\\ud800":1}}`],
    ];
    for (const [label, line] of refusedCases) {
      cases++;
      const id = /"id":"([a-z0-9]+)"/.exec(line)![1];
      server.sendRaw(line);
      const reply = await server.waitFor((m) => m.id === id, 20000).catch(() => null);
      if (!reply || reply.error?.code !== -32600) problems.push(`${label}: ${JSON.stringify(reply)}`);
    }
    if (readFileSync(path, 'utf8') !== before) problems.push('a refused message was written');
    for (const raw of ['9007199254740993', '9223372036854775807', '-9223372036854775808', '-9007199254740993', '0', '-0', '"s"']) {
      cases++;
      const marker = `m${cases}`;
      server.sendRaw(`{"id":${raw},"method":"thread/loaded/list","params":{}}`);
      server.sendRaw(`{"id":"${marker}","method":"thread/loaded/list","params":{}}`);
      await server.waitFor((m) => m.id === marker);
      const echoed = raw === '-0' ? '0' : raw;
      if (!server.stdoutLines.some((l) => l.startsWith(`{"id":${echoed},"result"`))) problems.push(`id ${raw} not echoed exactly`);
    }
    const seen = server.stdoutLines.length;
    for (const raw of ['1e300', '1.5', '1.0', '1e2', '9223372036854775808', '-9223372036854775809', 'true', 'null', '{}', '"\\ud800"']) {
      cases++;
      server.sendRaw(`{"id":${raw},"method":"thread/loaded/list","params":{}}`);
    }
    server.sendRaw('{"id":"end","method":"thread/loaded/list","params":{}}');
    await server.waitFor((m) => m.id === 'end');
    const extra = server.stdoutLines.slice(seen).filter((l) => !l.startsWith('{"id":"end"'));
    if (extra.length > 0) problems.push(`answered ids Codex ignores: ${extra.map((l) => l.slice(0, 40)).join(' | ')}`);
    return { figures: { cases }, problems };
  } finally {
    server.kill();
  }
}

/** FIFOs named like a rollout and like the index, and a rollout swapped for a symlink during injects. */
export async function hostileFiles(workDir: string, swapMs: number): Promise<Outcome> {
  const problems: string[] = [];
  const home = join(workDir, 'home');
  cpSync(join(FIXTURES, 'codex-0.169.0', 'home'), home, { recursive: true });
  const { fifoId, fifo } = rolloutFifo(home);
  execFileSync('mkfifo', [join(home, 'threadstate-logs_1.sqlite')]);
  let fifoReads = 0;
  let server = await startServer(home);
  try {
    for (let i = 0; i < 8; i++) {
      fifoReads++;
      const reply = await ask(server, i % 2 ? 'thread/read' : 'thread/resume', i % 2 ? { threadId: fifoId, includeTurns: true } : { threadId: fifoId, path: fifo }, 10000);
      if (!reply?.error) problems.push(`FIFO read ${i}: ${reply ? 'answered with a result' : 'no answer'}`);
    }
    const list = await ask(server, 'thread/list', { sourceKinds: [] }, 10000);
    if (!list?.result) problems.push('thread/list failed after FIFO reads');
    const code = await within(server.close(), 10000);
    if (code !== 0) problems.push(`exit after stdin closed: ${String(code)}`);
  } finally {
    server.kill();
  }
  // The symlink swap race.
  unlinkSync(join(home, 'threadstate-logs_1.sqlite'));
  const outsideDir = join(workDir, 'outside');
  mkdirSync(outsideDir);
  server = await startServer(home);
  let acknowledged = 0;
  let refused = 0;
  try {
    const { threadId, path } = await materializedThread(server, '/work/swap');
    const outside = join(outsideDir, 'victim.jsonl');
    writeFileSync(outside, readFileSync(path));
    const outsideBefore = readFileSync(outside, 'utf8');
    const swapper = spawn(NODE_BIN, ['-e', `
      const fs = require('node:fs');
      const [path, outside, stash, ms] = process.argv.slice(1);
      const until = Date.now() + Number(ms);
      while (Date.now() < until) {
        fs.renameSync(path, stash); fs.symlinkSync(outside, path);
        for (let i = 0; i < 2000; i++);
        fs.unlinkSync(path); fs.renameSync(stash, path);
        for (let i = 0; i < 2000; i++);
      }`, path, outside, join(home, 'stash.jsonl'), String(swapMs)], { stdio: 'ignore' });
    const done = new Promise((resolve) => swapper.on('exit', resolve));
    const acked: string[] = [];
    for (let i = 0; swapper.exitCode === null; i++) {
      const reply = await ask(server, 'thread/inject_items', { threadId, items: [userItem(`swap-${i}`)] });
      if (reply?.result) acked.push(`swap-${i}`);
      else refused++;
    }
    await done;
    acknowledged = acked.length;
    if (readFileSync(outside, 'utf8') !== outsideBefore) problems.push('the file outside the home was written');
    const text = readFileSync(path, 'utf8');
    const lost = acked.filter((t) => !text.includes(`"${t}"`));
    if (lost.length > 0) problems.push(`${lost.length} acknowledged injects missing from the rollout`);
  } finally {
    server.kill();
  }
  return { figures: { fifoReads, acknowledged, refused }, problems };
}

/** A home on a 2 MB tmpfs filled to the last byte, `cycles` times; every acknowledged write must be whole on disk. */
export async function fullDisk(workDir: string, cycles: number): Promise<Outcome> {
  const root = join(workDir, 'mnt');
  mkdirSync(root);
  const why = mountTmpfs(root, 2048);
  if (why) return { figures: { skipped: why }, problems: [] };
  const problems: string[] = [];
  let refused = 0;
  let acknowledged = 0;
  const acked: Array<{ kind: 'name' | 'inject'; text: string }> = [];
  const server = new AppServerProcess(join(root, 'home'), ['--no-index']);
  try {
    mkdirSync(join(root, 'home'));
    await server.initialize();
    const { threadId, path } = await materializedThread(server, '/work/full');
    for (let c = 0; c < cycles; c++) {
      const filler = join(root, 'filler');
      fillFileSystem(filler);
      for (const [method, params] of [
        ['thread/name/set', { threadId, name: `full-${c}-${'n'.repeat(6000)}` }],
        ['thread/inject_items', { threadId, items: [userItem(`full-${c}-${'i'.repeat(6000)}`)] }],
      ] as const) {
        const reply = await ask(server, method, params);
        if (reply?.error?.code === -32603 && /ENOSPC/.test(reply.error.message)) refused++;
        else if (reply?.result) {
          acknowledged++;
          acked.push({ kind: method === 'thread/name/set' ? 'name' : 'inject', text: `full-${c}-` });
        } else problems.push(`${method} on a full disk: ${JSON.stringify(reply?.error ?? reply)}`);
      }
      unlinkSync(filler);
      for (const [method, params, kind] of [
        ['thread/name/set', { threadId, name: `freed-${c}` }, 'name'],
        ['thread/inject_items', { threadId, items: [userItem(`freed-${c}`)] }, 'inject'],
      ] as const) {
        const reply = await ask(server, method, params);
        if (reply?.result) {
          acknowledged++;
          acked.push({ kind, text: `freed-${c}` });
        } else problems.push(`${method} after freeing space: ${JSON.stringify(reply?.error ?? reply)}`);
      }
    }
    const partial = findPartialLines(join(root, 'home'), rolloutFiles(join(root, 'home')));
    for (const p of partial) problems.push(`partial line: ${p.path}:${p.line} ${p.detail}`);
    const names = readFileSync(join(root, 'home', 'session_index.jsonl'), 'utf8');
    const rollout = readFileSync(path, 'utf8');
    for (const a of acked) if (!(a.kind === 'name' ? names : rollout).includes(a.text)) problems.push(`acknowledged ${a.kind} ${a.text} is not on disk`);
    return { figures: { cycles, refused, acknowledged, partialLines: partial.length }, problems };
  } finally {
    server.kill();
    await sleep(200);
    unmount(root);
  }
}

/** Big history answers whose rollout is truncated, zeroed or appended to while the client is not reading. */
export async function changedUnderAnswer(workDir: string, rounds: number, seed: number): Promise<Outcome> {
  const rand = rng(seed);
  const home = join(workDir, 'home');
  cpSync(join(FIXTURES, 'codex-0.169.0', 'home'), home, { recursive: true });
  const { path, threadId, text: original } = spillHeavyRollout(home);
  const problems: string[] = [];
  const counts = { truncated: 0, zeroed: 0, appended: 0, errors: 0, intact: 0, readAfterChange: 0, altered: 0 };
  const server = await startServer(home);
  try {
    writeFileSync(path, original);
    const expected = JSON.stringify((await ask(server, 'thread/read', { threadId, includeTurns: true }))!.result.thread.turns);
    for (let r = 0; r < rounds; r++) {
      writeFileSync(path, original);
      const kind = (['truncated', 'zeroed', 'appended'] as const)[r % 3];
      counts[kind]++;
      server.child.stdout.pause();
      const id = `read-${r}`;
      server.send({ id, method: 'thread/read', params: { threadId, includeTurns: true } });
      await sleep(300 + Math.floor(rand() * 1200));
      const size = Buffer.byteLength(original);
      if (kind === 'truncated') truncateSync(path, Math.floor(rand() * size));
      else if (kind === 'zeroed') {
        const fd = openSync(path, 'r+');
        writeSync(fd, Buffer.alloc(4096), 0, 4096, Math.floor(rand() * (size - 4096)));
        closeSync(fd);
      } else appendFileSync(path, '{"timestamp":"2026-11-25T12:00:00.000Z","type":"event_msg","payload":{"type":"agent_reasoning","text":"later"}}\n');
      server.child.stdout.resume();
      const reply = await server.waitFor((m) => m.id === id, 30000);
      if (reply.error) {
        counts.errors++;
        if (kind === 'appended') problems.push(`round ${r}: an append made the answer fail: ${reply.error.message}`);
      } else if (JSON.stringify(reply.result.thread.turns) === expected) counts.intact++;
      else if (JSON.stringify(reply.result.thread.turns) === JSON.stringify((await ask(server, 'thread/read', { threadId, includeTurns: true }))?.result?.thread.turns)) {
        // The read began after the change (it waited its turn): it answers the file as it is now.
        counts.readAfterChange++;
      } else {
        counts.altered++;
        problems.push(`round ${r} (${kind}): a successful answer with altered content`);
      }
    }
    return { figures: { rounds, ...counts }, problems };
  } finally {
    server.kill();
  }
}

/** An indexed home remounted read-only: reads work from the index, writes fail clearly. */
export async function readOnlyHome(workDir: string): Promise<Outcome> {
  const root = join(workDir, 'mnt');
  mkdirSync(root);
  const why = mountTmpfs(root, 16 * 1024);
  if (why) return { figures: { skipped: why }, problems: [] };
  const problems: string[] = [];
  const home = join(root, 'home');
  let reads = 0;
  let refusedWrites = 0;
  try {
    generateHome({ out: home, threads: 200, seed: 3 });
    let server = await startServer(home, [], true);
    const { threadId } = await materializedThread(server, '/work/ro');
    await ask(server, 'thread/inject_items', { threadId, items: [userItem('quokkamarble')] });
    await ask(server, 'thread/memory/write', { threadId, traceSummary: 't', memorySummary: 'ro-memory' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    await server.close();
    remountReadOnly(root);
    server = await startServer(home, [], true);
    try {
      const checks: Array<[string, Json, (r: Json) => boolean]> = [
        ['thread/list', { limit: 50, sourceKinds: [], useStateDbOnly: true }, (r) => r.data.length === 50],
        ['thread/read', { threadId, includeTurns: true }, (r) => JSON.stringify(r).includes('quokkamarble')],
        ['thread/search', { query: 'quokkamarble' }, (r) => r.data.length === 1],
        ['thread/memory/read', { threadId }, (r) => r.memory?.memorySummary === 'ro-memory'],
      ];
      for (const [method, params, ok] of checks) {
        reads++;
        const reply = await ask(server, method, params);
        if (!reply?.result || !ok(reply.result)) problems.push(`${method}: ${JSON.stringify(reply?.error ?? reply?.result).slice(0, 200)}`);
      }
      await ask(server, 'thread/resume', { threadId });
      for (const [method, params] of [
        ['thread/name/set', { threadId, name: 'x' }],
        ['thread/inject_items', { threadId, items: [userItem('x')] }],
        ['thread/memory/write', { threadId, traceSummary: 'x', memorySummary: 'x' }],
        ['thread/archive', { threadId }],
        ['thread/start', { cwd: '/x' }],
      ] as const) {
        const reply = await ask(server, method, params);
        if (method === 'thread/start' && reply?.result) continue; // nothing is written until items arrive
        if (reply?.error?.code === -32600 && /read-only/.test(reply.error.message)) refusedWrites++;
        else problems.push(`${method} on a read-only home: ${JSON.stringify(reply)}`);
      }
      const code = await within(server.close(), 10000);
      if (code !== 0) problems.push(`exit ${String(code)}`);
    } finally {
      server.kill();
    }
    return { figures: { reads, refusedWrites }, problems };
  } finally {
    await sleep(200);
    unmount(root);
  }
}
