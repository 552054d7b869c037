#!/usr/bin/env node
// Entry point. Plain JavaScript so that it parses on any Node: it checks the runtime first and
// prints one clear line (no stack trace) when node:sqlite or TypeScript type stripping is missing.

const [major, minor] = process.versions.node.split('.').map(Number);
const tooOld = major < 22 || (major === 22 && minor < 18);
// Node's modules are fetched with process.getBuiltinModule (Node >= 22.3), not import(): an import
// of a builtin builds an ES facade reading every export, which for node:fs loads its streams layer,
// milliseconds of every start.
let hasSqlite = false;
if (!tooOld) {
  try {
    hasSqlite = process.getBuiltinModule('node:sqlite') !== undefined;
  } catch {
    hasSqlite = false;
  }
}
if (tooOld || !hasSqlite) {
  process.stderr.write(
    `threadstate: needs Node.js >= 22.18 with node:sqlite (this is Node ${process.versions.node}); ` +
      'run it through npm (npm start, npx threadstate) so the pinned Node 24 from devDependencies is used\n',
  );
  process.exit(1);
}

const { readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
const { fileURLToPath } = process.getBuiltinModule('node:url');
const root = new URL('../', import.meta.url);
const bundle = freshBundle();
const { main } = bundle ? runBundle(bundle) : await importSources();
process.exitCode = await main(process.argv.slice(2));

/**
 * The bundle `dist/threadstate.cjs` (built by `npm install` through the `prepare` script, see
 * scripts/build.ts) when it is at least as new as every file in `src/`, else null: the TypeScript
 * sources are run by Node's type stripping. One bundled script loads several times faster than the
 * sources' ~100 modules; an edited tree never runs stale code.
 */
function freshBundle() {
  const newest = (dir) => {
    let latest = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
    }
    return latest;
  };
  try {
    const built = statSync(new URL('dist/.built', root)).mtimeMs;
    if (built >= newest(fileURLToPath(new URL('src', root)))) return fileURLToPath(new URL('dist/threadstate.cjs', root));
  } catch {
    // not built: run the sources
  }
  return null;
}

/**
 * Runs the bundle with a V8 code cache of it. Node's own compile cache (used for the sources) is
 * taken right after compiling, so it holds little more than the top level: every function a start
 * calls was compiled again at every start (~a fifth of a restart's CPU). This cache is taken once
 * a server's first answers are out (2 s after start, or at exit if sooner), so it holds them all; it is
 * written next to the bundle under a name that says which bundle and Node it fits, when there is
 * none yet or V8 refused it, and never when the folder is not writable.
 */
function runBundle(path) {
  const { Script } = process.getBuiltinModule('node:vm');
  const { createRequire } = process.getBuiltinModule('node:module');
  const st = statSync(path);
  const cachePath = `${path.slice(0, -'.cjs'.length)}-${process.version}-${st.size}-${Math.trunc(st.mtimeMs)}.v8cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cachePath);
  } catch {
    // none yet
  }
  // The build leaves the bundle ASCII: read as Latin-1, it needs no UTF-8 decoding.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(path, 'latin1')}\n})`, { filename: path, cachedData });
  // Only a server start writes it: the cache holds what the run compiled before it was taken, and
  // the server's start is the path it is for (a `backfill` or `doctor` first would leave it out).
  if (process.argv[2] === 'app-server' && (cachedData === undefined || script.cachedDataRejected)) {
    let saved = false;
    const save = () => {
      if (saved) return;
      saved = true;
      const tmp = `${cachePath}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cachePath);
      } catch {
        // a read-only install: every start compiles what it runs, as without the cache
        rmSync(tmp, { force: true });
      }
    };
    globalThis.setTimeout(save, 2000).unref();
    process.once('exit', save);
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(path), module, path, fileURLToPath(new URL('dist', root)));
  return module.exports;
}

async function importSources() {
  // Compiled code is cached on disk (in the OS temp dir unless NODE_COMPILE_CACHE names another), so
  // later starts skip parsing and compiling. Best effort: a read-only temp dir only loses the cache.
  try {
    process.getBuiltinModule('node:module').enableCompileCache?.();
  } catch {
    // no cache: every start compiles
  }
  return import(new URL('src/cli.ts', root).href);
}
