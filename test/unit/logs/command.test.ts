import assert from 'node:assert/strict';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { parseFlags, type ParsedFlags } from '../../../src/commands/command.ts';
import { UsageError } from '../../../src/errors.ts';
import { logsCommand, parseLogsFlags, runLogs } from '../../../src/commands/logs.ts';
import { makeTempDir, removeDir, row, seed } from './support.ts';

const T0 = 1_780_000_000;

function flags(...argv: string[]): ParsedFlags {
  return parseFlags(logsCommand, argv);
}

/** Runs the command until its backfill is printed (poll once), then interrupts it. */
async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const controller = new AbortController();
  let out = '';
  let err = '';
  const timer = setTimeout(() => controller.abort(), 150);
  try {
    const code = await runLogs(flags(...argv), {
      write: (t) => {
        out += t;
      },
      error: (t) => {
        err += t;
      },
      signal: controller.signal,
      color: false,
    }, env);
    return { code, out, err };
  } finally {
    clearTimeout(timer);
  }
}

describe('threadstate logs (command)', () => {
  let home: string;
  let path: string;
  before(() => {
    home = makeTempDir();
    path = join(home, 'threadstate-logs_1.sqlite');
    const rows = [];
    for (let i = 0; i < 300; i++) {
      rows.push(row({ ts: T0 + i, level: i % 3 === 0 ? 'WARN' : 'INFO', target: i % 2 ? 'server.dispatch' : 'state.db', message: `m${i}`, threadId: i % 5 === 0 ? 'thr-5' : null }));
    }
    seed(path, rows);
  });
  after(() => removeDir(home));

  it('prints the last 200 rows by default, oldest first, from the home given by --codex-home', async () => {
    const { code, out, err } = await run(['--codex-home', home, '--poll-ms', '20']);
    assert.equal(code, 0);
    assert.equal(err, '');
    const lines = out.trimEnd().split('\n');
    assert.equal(lines.length, 200);
    assert.match(lines[0], / - m100$/);
    assert.match(lines[199], / - m299$/);
  });

  it('uses CODEX_HOME when no flag is given, and --db over both', async () => {
    assert.equal((await run(['--backfill', '1'], { CODEX_HOME: home })).out.trimEnd().split('\n').length, 1);
    const other = makeTempDir();
    try {
      const viaDb = await run(['--codex-home', other, '--db', path, '--backfill', '2']);
      assert.equal(viaDb.code, 0);
      assert.equal(viaDb.out.trimEnd().split('\n').length, 2);
    } finally {
      removeDir(other);
    }
  });

  it('applies --backfill, --level, --module, --file, --thread-id and times together', async () => {
    const { out } = await run([
      '--db', path, '--level', 'warn', '--module', 'state', '--module', 'nothing-matches-this',
      '--thread-id', 'thr-5', '--from', String(T0 + 100), '--to', new Date((T0 + 200) * 1000).toISOString(), '--backfill', '3',
      '--file', 'src/test',
    ]);
    // WARN: i % 3 == 0; state.db: i even; thr-5: i % 5 == 0 → i % 30 == 0, within 100..200.
    assert.deepEqual(out.trimEnd().split('\n').map((l) => l.split(' - ')[1]), ['m120', 'm150', 'm180']);
    assert.ok(out.split('\n')[0].includes('WARN  [thr-5] state.db - m120'));
  });

  it('prints JSON lines with --json', async () => {
    const { out } = await run(['--db', path, '--json', '--backfill', '5', '--thread-id', 'thr-5']);
    const rows = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(rows.map((r) => r.message), ['m275', 'm280', 'm285', 'm290', 'm295']);
    assert.ok(rows.every((r) => r.thread_id === 'thr-5' && typeof r.id === 'number'));
  });

  it('prints nothing for --backfill 0 and still tails', async () => {
    const { code, out } = await run(['--db', path, '--backfill', '0']);
    assert.equal(code, 0);
    assert.equal(out, '');
  });

  it('reports a missing database without creating it', async () => {
    const missing = join(home, 'nope', 'threadstate-logs_1.sqlite');
    const { code, out, err } = await run(['--db', missing]);
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.equal(err, `threadstate logs: no logs database at ${missing}\n`);
    assert.ok(!existsSync(join(home, 'nope')));
    const empty = makeTempDir();
    try {
      const r = await run(['--codex-home', empty]);
      assert.equal(r.err, `threadstate logs: no logs database at ${join(empty, 'threadstate-logs_1.sqlite')}\n`);
      assert.ok(!existsSync(join(empty, 'threadstate-logs_1.sqlite')));
    } finally {
      removeDir(empty);
    }
  });

  it('refuses a file that is not a logs database', async () => {
    const { code, err } = await run(['--db', join(process.cwd(), 'package.json')]);
    assert.equal(code, 1);
    assert.match(err, /^threadstate logs: cannot (open|read) logs database .*package\.json/);
  });

  const bad: [string[], RegExp][] = [
    [['--from', 'yesterday'], /^--from: expected RFC3339 or unix seconds, got 'yesterday'$/],
    [['--to', '2026-05-28'], /^--to: expected RFC3339 or unix seconds, got '2026-05-28'$/],
    [['--from', '200', '--to', '100'], /--from \(200\) is after --to \(100\)/],
    [['--level', 'loud'], /^--level expects one of trace, debug, info, warn, error, got 'loud'$/],
    [['--backfill', '-1'], /^--backfill expects a whole number, got '-1'$/],
    [['--backfill', 'ten'], /^--backfill expects a whole number, got 'ten'$/],
    [['--poll-ms', '0'], /^--poll-ms must be at least 1/],
    [['--poll-ms', '1.5'], /^--poll-ms expects a whole number/],
    [['--module', ''], /^--module needs a non-empty value$/],
  ];
  for (const [argv, message] of bad) {
    it(`rejects ${argv.join(' ')}`, () => {
      assert.throws(() => parseLogsFlags(flags(...argv), {}), (err: unknown) => err instanceof UsageError && message.test(err.message));
    });
  }

  it('rejects unknown or malformed flags through the shared parser', () => {
    assert.throws(() => flags('--nope'), UsageError);
    assert.throws(() => flags('--json=yes'), UsageError);
    assert.throws(() => flags('--level', 'info', '--level', 'warn'), /given more than once/);
    assert.deepEqual(parseLogsFlags(flags('--module', 'a', '--module', 'b', '--thread-id', 'x', '--thread-id', 'y'), {}).filter.modules, ['a', 'b']);
  });
});
