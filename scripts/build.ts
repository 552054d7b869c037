// `npm run build` (also run by `npm install` through `prepare`): bundles src/cli.ts and its
// dependencies into one CommonJS file, dist/threadstate.cjs, which bin/threadstate.mjs runs while it
// is newer than every file in src/. One file instead of ~100 modules (plus TypeBox's and
// vscode-jsonrpc's) is what makes a restart fast: Node reads and compiles one script. It is a
// script rather than an ES module so that bin can run it with a V8 code cache taken after the first
// answers (bin/threadstate.mjs), which holds every function a start runs, compiled.
//
// Files the sources find next to themselves (`new URL('../../migrations/', import.meta.url)`,
// `new URL('../package.json', import.meta.url)`) keep working: each such `import.meta.url` is
// rewritten to the URL of the source file it was written in, relative to the bundle; any other
// `import.meta.url` is the bundle's own URL.

import { build, type Plugin } from 'esbuild';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT_DIR = `${ROOT}dist/`;
const OUT_FILE = `${OUT_DIR}threadstate.cjs`;
/** Written after the bundle; its mtime is what bin/threadstate.mjs compares with src/. */
const MARKER = `${OUT_DIR}.built`;
/** The bundle's URL inside it (import.meta.url has no meaning in a script). */
const BUNDLE_URL = '__threadstateBundleUrl';

/** `new URL('<relative>', import.meta.url)` in a source file: resolved against that file's own location. */
const RELATIVE_URL = /new URL\((['"][^'"]+['"]),\s*import\.meta\.url\)/g;

const sourceRelativeUrls: Plugin = {
  name: 'source-relative-urls',
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (text.search(RELATIVE_URL) < 0) return { contents: text, loader: 'ts' };
      const fromBundle = relative(dirname(OUT_FILE), args.path).split('\\').join('/');
      const contents = text.replace(RELATIVE_URL, (_m, literal: string) => `new URL(${literal}, new URL(${JSON.stringify(fromBundle)}, ${BUNDLE_URL}))`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Builtins that only some requests, the other transports or the background work use, loaded on the
 * first use of one of their exports instead of with the bundle. Measured on a restart (CPU):
 * node:fs/promises ~4 ms, node:crypto and node:net ~5-10 ms together, node:v8 ~2 ms, the rest
 * about 1 ms or less each.
 */
const LAZY_BUILTINS = new Set([
  'node:fs/promises', 'node:v8', 'node:vm', 'node:readline', 'node:timers/promises',
  'node:crypto', 'node:net', 'node:http', 'node:https', 'node:tls', 'node:zlib', 'node:child_process',
]);

/**
 * Packages only the websocket and unix-socket transports and the front use: `ws` loads Node's whole
 * network stack (~15 ms of a restart's CPU). Left out of the bundle and required from
 * node_modules (it is a dependency) on first use.
 */
const LAZY_PACKAGES = new Set(['ws']);

/**
 * A stand-in for a module's exports that loads it on first access. The bundle copies a CommonJS
 * module's exports as getters (esbuild's __toESM), which asks only for the names: they are listed
 * here as found at build time, so nothing is loaded until a getter runs. The stand-in can also be
 * called and constructed (`import WebSocket from 'ws'; new WebSocket(…)`); its target is a bound
 * function, which has no own `prototype` to pin.
 */
function lazyModuleStub(name: string): string {
  const names = Object.getOwnPropertyNames(createRequire(import.meta.url)(name)).filter((n) => n !== 'length' && n !== 'name');
  return `const names = ${JSON.stringify(names)};
let loaded;
const load = () => (loaded ??= require(${JSON.stringify(name)}));
module.exports = new Proxy(function () {}.bind(null), {
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
  ownKeys: () => names,
  getOwnPropertyDescriptor: (_target, key) => (names.includes(key) ? { configurable: true, enumerable: true, writable: true, value: undefined } : undefined),
  apply: (_target, self, args) => Reflect.apply(load(), self, args),
  construct: (_target, args) => Reflect.construct(load(), args),
});`;
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * A builtin the first answers use, as an ES module over the real module object: each export reads
 * its property when the bundle loads, and esbuild drops the exports nothing imports (so no getter
 * of an unused one, such as `fs.promises`, ever runs). Importers then reach the function itself.
 * A CommonJS stub would have esbuild copy the whole module into a getter object at every importing
 * file (its __toESM: ~5,000 Object.defineProperty calls for node:fs's 34 importers, about a tenth of
 * a restart's CPU).
 */
function eagerModuleStub(name: string): string {
  const names = Object.getOwnPropertyNames(createRequire(import.meta.url)(name)).filter((n) => n !== 'default' && IDENTIFIER.test(n));
  return [
    `const real = require(${JSON.stringify(name)});`,
    'export default real;',
    ...names.map((n) => `export const ${n} = /* @__PURE__ */ (() => real.${n})();`),
  ].join('\n');
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
      contents: LAZY_BUILTINS.has(args.path) ? lazyModuleStub(args.path) : eagerModuleStub(args.path),
      loader: 'js',
    }));
  },
};

const lazyPackages: Plugin = {
  name: 'lazy-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (!LAZY_PACKAGES.has(args.path)) return undefined;
      return args.namespace === 'lazy-package' ? { path: args.path, external: true } : { path: args.path, namespace: 'lazy-package' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-package' }, (args) => ({ contents: lazyModuleStub(args.path), loader: 'js' }));
  },
};

const started = performance.now();
// Earlier bundles (the ES-module one) and code caches taken of them (bin/threadstate.mjs) go first.
for (const name of await readdir(OUT_DIR).catch(() => [] as string[])) {
  if (name === 'threadstate.mjs' || name.endsWith('.v8cache')) await rm(`${OUT_DIR}${name}`, { force: true });
}
await build({
  entryPoints: [`${ROOT}src/cli.ts`],
  outfile: OUT_FILE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  define: { 'import.meta.url': BUNDLE_URL },
  // Strict as the ES modules it is built from: the directive must come before anything else.
  banner: { js: `'use strict';\nvar ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;` },
  plugins: [sourceRelativeUrls, builtinsByRequire, lazyPackages],
  logLevel: 'warning',
  legalComments: 'none',
});
// bin reads the bundle as Latin-1 (no UTF-8 decoding of a megabyte at every start), which is exact
// for ASCII. esbuild escapes what is not ASCII in code; what is left is in comments.
const bundled = await readFile(OUT_FILE, 'utf8');
const NOT_ASCII = /[\u0080-\u{10ffff}]/gu;
if (NOT_ASCII.test(bundled)) {
  await writeFile(OUT_FILE, bundled.replace(NOT_ASCII, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`));
}
await writeFile(MARKER, '');
process.stdout.write(`built ${relative(ROOT, OUT_FILE)} in ${Math.round(performance.now() - started)} ms\n`);
