#!/usr/bin/env node
// Entry point. Plain JavaScript so that it parses on any Node: it checks the runtime first and
// prints one clear line (no stack trace) when node:sqlite or TypeScript type stripping is missing.

const [major, minor] = process.versions.node.split('.').map(Number);
const tooOld = major < 22 || (major === 22 && minor < 18);
let hasSqlite = false;
if (!tooOld) {
  try {
    await import('node:sqlite');
    hasSqlite = true;
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

const { main } = await import('../src/cli.ts');
process.exitCode = await main(process.argv.slice(2));
