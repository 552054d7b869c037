// bin/threadstate.mjs runs the bundle (dist/threadstate.cjs) with a V8 code cache it writes next to
// it on the first start: real processes on a copy of the install (bin, dist; src, migrations and
// node_modules linked), so the repository's own dist is left alone.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_BIN, REPO_ROOT } from '../helpers/app-server.ts';
import { makeTempDir, removeDir } from '../helpers/home.ts';

const INITIALIZE = `${JSON.stringify({ id: 1, method: 'initialize', params: { clientInfo: { name: 'cache_test', title: null, version: '1' } } })}\n`;

function newestIn(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return latest;
}

describe('bundle: the code cache of bin/threadstate.mjs', function () {
  this.timeout(60000);
  let root: string;
  let install: string;

  before(function () {
    const built = join(REPO_ROOT, 'dist', '.built');
    // Only a fresh bundle is run by bin (npm install builds it; an edited tree runs the sources).
    if (!existsSync(built) || statSync(built).mtimeMs < newestIn(join(REPO_ROOT, 'src'))) this.skip();
  });

  beforeEach(() => {
    root = makeTempDir('threadstate-code-cache-');
    install = join(root, 'install');
    mkdirSync(join(install, 'bin'), { recursive: true });
    mkdirSync(join(install, 'dist'));
    copyFileSync(join(REPO_ROOT, 'bin', 'threadstate.mjs'), join(install, 'bin', 'threadstate.mjs'));
    copyFileSync(join(REPO_ROOT, 'package.json'), join(install, 'package.json'));
    copyFileSync(join(REPO_ROOT, 'dist', 'threadstate.cjs'), join(install, 'dist', 'threadstate.cjs'));
    for (const shared of ['src', 'migrations', 'node_modules']) symlinkSync(join(REPO_ROOT, shared), join(install, shared));
    writeFileSync(join(install, 'dist', '.built'), '');
  });

  afterEach(() => removeDir(root));

  const caches = (): string[] => readdirSync(join(install, 'dist')).filter((n) => n.endsWith('.v8cache'));
  const serve = (): string => execFileSync(NODE_BIN, [join(install, 'bin', 'threadstate.mjs'), 'app-server', '--codex-home', join(root, 'home')], { input: INITIALIZE, encoding: 'utf8' });

  it('is written by the first start, used by the next, and replaced when V8 refuses it', () => {
    assert.deepEqual(caches(), []);
    assert.match(serve(), /"userAgent":"cache_test\/0\.1\.0/);
    const [cache] = caches();
    assert.ok(cache, 'the first start left a cache');
    assert.ok(cache.includes(process.version), cache);
    const written = readFileSync(join(install, 'dist', cache));
    assert.ok(written.length > 100_000, `${written.length} bytes`);

    assert.match(serve(), /"userAgent":"cache_test\/0\.1\.0/);
    assert.deepEqual(caches(), [cache], 'one cache per bundle and Node');
    assert.ok(readFileSync(join(install, 'dist', cache)).equals(written), 'an accepted cache is not written again');

    writeFileSync(join(install, 'dist', cache), Buffer.alloc(4096, 7));
    assert.match(serve(), /"userAgent":"cache_test\/0\.1\.0/, 'a damaged cache is refused, not run');
    assert.ok(readFileSync(join(install, 'dist', cache)).length > 100_000, 'and replaced');
  });

  it('only a server start writes it; other commands run without one or with the one a server wrote', () => {
    const version = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version;
    const cli = (...args: string[]): string => execFileSync(NODE_BIN, [join(install, 'bin', 'threadstate.mjs'), ...args], { encoding: 'utf8' }).trim();
    assert.equal(cli('--version'), version);
    assert.deepEqual(caches(), [], 'a command other than app-server leaves none');
    serve();
    assert.equal(caches().length, 1);
    assert.equal(cli('--version'), version, 'and runs with the one a server wrote');
  });

  it('a cache that cannot be written costs nothing but the cache', () => {
    const bundle = statSync(join(install, 'dist', 'threadstate.cjs'));
    // A folder where the cache would go: the write fails whoever runs the test (root included).
    const blocked = join(install, 'dist', `threadstate-${process.version}-${bundle.size}-${Math.trunc(bundle.mtimeMs)}.v8cache`);
    mkdirSync(blocked);
    assert.match(serve(), /"userAgent":"cache_test\/0\.1\.0/);
    assert.match(serve(), /"userAgent":"cache_test\/0\.1\.0/);
    assert.ok(statSync(blocked).isDirectory());
    assert.deepEqual(readdirSync(join(install, 'dist')).filter((n) => n.endsWith('.tmp')), [], 'no temporary file left behind');
  });
});
