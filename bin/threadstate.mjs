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

// Compiled code is cached on disk (in the OS temp dir unless NODE_COMPILE_CACHE names another), so
// later starts skip parsing and compiling. Best effort: a read-only temp dir only loses the cache.
try {
  process.getBuiltinModule('node:module').enableCompileCache?.();
} catch {
  // no cache: every start compiles
}

process.exitCode = await (await import(await entryModule())).main(process.argv.slice(2));

/**
 * The bundle `dist/threadstate.mjs` (built by `npm install` through the `prepare` script, see
 * scripts/build.ts) when it is at least as new as every file in `src/`, else the TypeScript sources
 * run by Node's type stripping. One bundled module loads several times faster than the sources'
 * ~100 modules; an edited tree never runs stale code.
 */
async function entryModule() {
  const { readdirSync, statSync } = process.getBuiltinModule('node:fs');
  const root = new URL('../', import.meta.url);
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
    if (built >= newest(new URL('src', root).pathname)) return new URL('dist/threadstate.mjs', root).href;
  } catch {
    // not built: run the sources
  }
  return new URL('src/cli.ts', root).href;
}
