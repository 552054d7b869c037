// Import rules for src/ (`npm run check-imports`, run by .ci/run). See ARCHITECTURE.md.
//
// LAYERS lists the folders from the top (entry points) to the bottom (pure types and helpers). A
// module may import its own folder and any folder in a LOWER group, never one above it, and never a
// different folder of the same group. Folders therefore form a DAG (no folder cycles), and
// `no-circular` forbids module cycles inside a folder too.

const LAYERS = [
  { cli: '^src/cli[.]ts$' },
  { commands: '^src/commands/' },
  // The Codex front: routes each client connection between threadstate and an upstream Codex app-server.
  { front: '^src/front/' },
  { server: '^src/server/' },
  { threads: '^src/threads/' },
  // The StateStore facade: opens the index, owns the background indexing and the memory journal.
  { store: '^src/store/' },
  { indexing: '^src/indexing/' },
  // The index tables, the separate logs database, and the rows threadstate keeps in step in Codex's
  // own databases.
  { state: '^src/state/', 'logs-db': '^src/logs-db/', 'codex-db': '^src/codex-db/' },
  // Mechanics: SQLite, and the rollout JSONL files.
  { sqlite: '^src/sqlite/', rollout: '^src/rollout/' },
  { model: '^src/model/' },
  { protocol: '^src/protocol/' },
  {
    errors: '^src/errors[.]ts$', config: '^src/config[.]ts$', version: '^src/version[.]ts$',
    heap: '^src/heap[.]ts$', logger: '^src/logs/',
  },
];

const layerRules = [];
LAYERS.forEach((group, level) => {
  for (const [name, path] of Object.entries(group)) {
    const above = LAYERS.slice(0, level).flatMap((g) => Object.values(g));
    const siblings = Object.entries(group).filter(([other]) => other !== name).map(([, p]) => p);
    const forbidden = [...above, ...siblings];
    if (forbidden.length === 0) continue;
    layerRules.push({
      name: `layer-${name}`,
      comment: `${name} may import only lower layers (see LAYERS in .dependency-cruiser.cjs and ARCHITECTURE.md)`,
      severity: 'error',
      from: { path },
      to: { path: forbidden },
    });
  }
});

const known = LAYERS.flatMap((g) => Object.values(g));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'Modules must not depend on themselves through other modules.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every relative import must resolve to a file.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'src-in-a-layer',
      comment: 'Every module under src/ belongs to a layer: add a new folder to LAYERS.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^src/', pathNot: known },
    },
    {
      name: 'src-not-to-tests-or-scripts',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|scripts)/' },
    },
    ...layerRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      extensions: ['.ts', '.js', '.json'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default', 'types'],
    },
  },
};
