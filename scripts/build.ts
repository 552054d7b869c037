// `npm run build` (also run by `npm install` through `prepare`): bundles src/cli.ts and its
// dependencies into one ES module, dist/threadstate.mjs, which bin/threadstate.mjs runs while it is
// newer than every file in src/. One file instead of ~100 modules (plus TypeBox's and
// vscode-jsonrpc's) is what makes a restart fast: Node resolves, reads and links one module.
//
// Files the sources find next to themselves (`new URL('../../migrations/', import.meta.url)`,
// `new URL('../package.json', import.meta.url)`) keep working: each such `import.meta.url` is
// rewritten to the URL of the source file it was written in, relative to the bundle.

import { build, type Plugin } from 'esbuild';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT_FILE = `${ROOT}dist/threadstate.mjs`;
/** Written after the bundle; its mtime is what bin/threadstate.mjs compares with src/. */
const MARKER = `${ROOT}dist/.built`;

/** `new URL('<relative>', import.meta.url)` in a source file: resolved against that file's own location. */
const RELATIVE_URL = /new URL\((['"][^'"]+['"]),\s*import\.meta\.url\)/g;

const sourceRelativeUrls: Plugin = {
  name: 'source-relative-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.search(RELATIVE_URL) < 0) return { contents: text, loader: 'ts' };
      const fromBundle = relative(dirname(OUT_FILE), args.path).split('\\').join('/');
      const contents = text.replace(RELATIVE_URL, (_m, literal: string) => `new URL(${literal}, new URL(${JSON.stringify(fromBundle)}, import.meta.url))`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Builtins that only some requests or the background work use, loaded on the first use of one of
 * their exports instead of with the bundle. Measured on a restart (CPU): node:fs/promises ~4 ms,
 * node:v8 ~2 ms, node:vm, node:readline and node:timers/promises under 1 ms each.
 */
const LAZY_BUILTINS = new Set(['node:fs/promises', 'node:v8', 'node:vm', 'node:readline', 'node:timers/promises']);

/**
 * A stand-in for a builtin's exports that loads it on first access. The bundle copies a CommonJS
 * module's exports as getters (esbuild's __toESM), which asks only for the names: they are listed
 * here as this Node has them, so nothing is loaded until a getter runs.
 */
function lazyBuiltinStub(name: string): string {
  const names = Object.getOwnPropertyNames(createRequire(import.meta.url)(name));
  return `const names = ${JSON.stringify(names)};
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(name)}));
module.exports = new Proxy({}, {
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_target, key) => (names.includes(key) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
});`;
}

/**
 * Node's own modules are loaded with require() rather than imported: an ES import of a builtin builds
 * a facade that reads every export, which for `node:fs` loads its whole streams layer (~10 ms of a
 * ~60 ms start) that the server may never use.
 */
const builtinsByRequire: Plugin = {
  name: 'builtins-by-require',
  setup(b) {
    // The stub's own require() of the builtin stays external (the real require of the banner).
    b.onResolve({ filter: /^node:/ }, (args) => (args.namespace === 'node-builtin' ? { path: args.path, external: true } : { path: args.path, namespace: 'node-builtin' }));
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: LAZY_BUILTINS.has(args.path) ? lazyBuiltinStub(args.path) : `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

const started = performance.now();
await build({
  entryPoints: [`${ROOT}src/cli.ts`],
  outfile: OUT_FILE,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  // vscode-jsonrpc is CommonJS: its require() of Node's modules needs a real require in an ES module.
  banner: { js: "import { createRequire as __threadstateRequire } from 'node:module'; const require = __threadstateRequire(import.meta.url);" },
  plugins: [sourceRelativeUrls, builtinsByRequire],
  logLevel: 'warning',
  legalComments: 'none',
});
await writeFile(MARKER, '');
process.stdout.write(`built ${relative(ROOT, OUT_FILE)} in ${Math.round(performance.now() - started)} ms\n`);
