// The files that say which servers have an index open (src/sqlite/servers.ts), with real processes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { SERVER_FILE_INFIX, announceServer } from '../../../src/sqlite/servers.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

describe('sqlite: servers of an index', () => {
  let dir: string;
  let db: string;
  beforeEach(() => {
    dir = makeTempDir('threadstate-servers-');
    db = join(dir, 'threadstate_1.sqlite');
  });
  afterEach(() => removeDir(dir));

  const serverFiles = (): string[] => readdirSync(dir).filter((n) => n.includes(SERVER_FILE_INFIX)).sort();
  const fileFor = (pid: number, host = hostname().replace(/[^A-Za-z0-9._-]/g, '_')): string => join(dir, `threadstate_1.sqlite${SERVER_FILE_INFIX}${pid}@${host}`);

  it('tells running servers from servers that died without closing, and cleans up after both', async () => {
    const alone = announceServer(db);
    assert.deepEqual([alone.peersAlive, alone.diedUncleanly], [0, 0]);
    assert.deepEqual(serverFiles(), [`threadstate_1.sqlite${SERVER_FILE_INFIX}${process.pid}@${hostname().replace(/[^A-Za-z0-9._-]/g, '_')}`]);

    const peer = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    try {
      writeFileSync(fileFor(peer.pid!), '{}\n');
      writeFileSync(fileFor(gone.pid!), '{}\n');
      writeFileSync(fileFor(gone.pid!, 'another-host'), '{}\n');
      const seen = announceServer(db);
      assert.deepEqual([seen.peersAlive, seen.diedUncleanly], [1, 1], 'the other host is not judged');
      assert.ok(existsSync(fileFor(gone.pid!)), 'kept until its writes are indexed');
      seen.forgetDead();
      assert.ok(!existsSync(fileFor(gone.pid!)));
      assert.ok(existsSync(fileFor(peer.pid!)) && existsSync(fileFor(gone.pid!, 'another-host')));
    } finally {
      peer.kill('SIGKILL');
    }
    alone.close();
    assert.ok(!existsSync(fileFor(process.pid)), 'a clean close removes its own file');
  });

  it('a folder it cannot write leaves no file and judges nothing wrongly', () => {
    const presence = announceServer(join(dir, 'missing', 'threadstate_1.sqlite'));
    assert.deepEqual([presence.peersAlive, presence.diedUncleanly], [0, 0]);
    presence.close();
  });
});
