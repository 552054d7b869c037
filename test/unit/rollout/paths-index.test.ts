// File names, confinement to the home (symlinks included), walking, and session_index names.

import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  activeDirForFileName, isArchivedPath, isInsideHome, listRolloutFiles, parseRolloutFileName, resolveInsideHome, rolloutFileName,
} from '../../../src/rollout/paths.ts';
import { appendThreadName, readThreadName, readThreadNames } from '../../../src/rollout/session-index.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

const ID = '01a2121e-e83b-7081-b133-76ea94c04633';

describe('rollout paths', () => {
  let root: string;
  let home: string;
  beforeEach(() => {
    root = makeTempDir('ts-paths-');
    home = join(root, 'home');
    mkdirSync(join(home, 'sessions/2026/11/25'), { recursive: true });
    mkdirSync(join(home, 'archived_sessions'), { recursive: true });
  });
  afterEach(() => removeDir(root));

  it('parses and builds file names', () => {
    const parsed = parseRolloutFileName(`rollout-2026-11-25T09-52-25-${ID}.jsonl`);
    assert.deepEqual(parsed, { id: ID, timeMs: Date.UTC(2026, 10, 25, 9, 52, 25), timeText: '2026-11-25T09-52-25' });
    assert.equal(parseRolloutFileName(`rollout-2026-11-25T09-52-25-${ID.toUpperCase()}.jsonl`)?.id, ID);
    assert.equal(parseRolloutFileName('rollout-garbage.jsonl'), null);
    assert.equal(parseRolloutFileName(`rollout-2026-11-25-${ID}.jsonl`), null);
    assert.equal(parseRolloutFileName(`notes-2026-11-25T09-52-25-${ID}.jsonl`), null);
    const name = rolloutFileName(ID, new Date(2026, 0, 2, 3, 4, 5));
    assert.equal(name, `rollout-2026-01-02T03-04-05-${ID}.jsonl`);
    assert.equal(activeDirForFileName(home, name), join(home, 'sessions/2026/01/02'));
    assert.ok(isArchivedPath(home, join(home, 'archived_sessions', name)));
    assert.ok(!isArchivedPath(home, join(home, 'sessions/2026/01/02', name)));
  });

  it('confines paths to the home, following symlinks', async () => {
    const outside = join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.jsonl'), '{}\n');
    symlinkSync(outside, join(home, 'sessions/escape'));
    symlinkSync(join(outside, 'secret.jsonl'), join(home, 'sessions/2026/11/25/link.jsonl'));
    assert.equal(await resolveInsideHome(home, 'sessions/escape/secret.jsonl'), null);
    assert.equal(await resolveInsideHome(home, join(home, 'sessions/2026/11/25/link.jsonl')), null);
    assert.equal(await resolveInsideHome(home, '../outside/secret.jsonl'), null);
    assert.equal(await resolveInsideHome(home, '/etc/passwd'), null);
    assert.equal(await isInsideHome(home, 'sessions/2026/11/25/new-file.jsonl'), true);
    assert.equal(await resolveInsideHome(home, 'sessions/2026/11/25/x.jsonl'), join(home, 'sessions/2026/11/25/x.jsonl'));
    // A home that is itself reached through a symlink still works.
    const linkedHome = join(root, 'home-link');
    symlinkSync(home, linkedHome);
    assert.equal(await isInsideHome(linkedHome, 'sessions/2026/11/25/x.jsonl'), true);
  });

  it('walks sessions at any depth and archived_sessions flat, one stat each', async () => {
    const name = `rollout-2026-11-25T09-52-25-${ID}.jsonl`;
    writeFileSync(join(home, 'sessions/2026/11/25', name), 'x');
    mkdirSync(join(home, 'sessions/deep/er/still'), { recursive: true });
    writeFileSync(join(home, 'sessions/deep/er/still', `rollout-2026-11-24T00-00-00-${ID.replace('e83b', 'aaaa')}.jsonl`), 'xy');
    writeFileSync(join(home, 'sessions/2026/11/25/notes.txt'), 'ignored');
    writeFileSync(join(home, 'archived_sessions', `rollout-2026-11-20T00-00-00-${ID.replace('e83b', 'bbbb')}.jsonl`), 'xyz');
    const all = await listRolloutFiles(home);
    assert.deepEqual(all.map((f) => [f.relPath, f.archived, f.size]).sort(), [
      [`archived_sessions/rollout-2026-11-20T00-00-00-${ID.replace('e83b', 'bbbb')}.jsonl`, true, 3],
      [`sessions/2026/11/25/${name}`, false, 1],
      [`sessions/deep/er/still/rollout-2026-11-24T00-00-00-${ID.replace('e83b', 'aaaa')}.jsonl`, false, 2],
    ]);
    assert.equal((await listRolloutFiles(home, 'archived')).length, 1);
    assert.equal((await listRolloutFiles(join(root, 'missing'))).length, 0);
  });
});

describe('session_index.jsonl names', () => {
  let home: string;
  beforeEach(() => { home = makeTempDir('ts-names-'); });
  afterEach(() => removeDir(home));

  it('appends entries and reads the last non-empty name per id, skipping bad lines', async () => {
    assert.equal((await readThreadNames(home)).size, 0);
    assert.equal(await readThreadName(home, ID), null);
    await appendThreadName(home, ID, 'First name');
    appendFileSync(join(home, 'session_index.jsonl'), '{broken\n\n[]\n');
    await appendThreadName(home, ID, 'Second name');
    await appendThreadName(home, ID, '   ');
    await appendThreadName(home, 'other-id', 'Other');
    const names = await readThreadNames(home);
    assert.equal(names.get(ID), 'Second name');
    assert.equal(names.get('other-id'), 'Other');
    assert.equal(await readThreadName(home, ID), 'Second name');
    assert.equal(await readThreadName(home, ID.toUpperCase()), 'Second name');
  });

  it('reads the real fixture index', async () => {
    const names = await readThreadNames(new URL('../../fixtures/codex-0.169.0/home', import.meta.url).pathname);
    assert.equal(names.get('01a2121e-f8c5-73b1-8d51-5bb39afff9d5'), 'Release notes v1.2');
  });
});
