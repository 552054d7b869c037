// Generated schema/: committed output equals a fresh regeneration; spot checks of its content.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Compile } from 'typebox/compile';
import { generateSchemaFiles, HEADER, SCHEMA_DIR, staleSchemaFiles, writeSchemaFiles } from '../../../scripts/write-schema.ts';
import { NamedSchemas } from '../../../src/protocol/names.ts';
import { loadAnswers } from './fixture-answers.ts';

const readJson = (name: string) => JSON.parse(readFileSync(join(SCHEMA_DIR, 'json', name), 'utf8'));

describe('schema generation', () => {
  let tmp: string;
  beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'threadstate-schema-')); });
  afterEach(() => { rmSync(tmp, { recursive: true, force: true }); });

  it('committed schema/ equals a fresh regeneration (else: run npm run write-schema)', () => {
    writeSchemaFiles(tmp);
    const regenerated = new Map<string, string>();
    for (const sub of ['json', 'typescript']) {
      for (const file of readdirSync(join(tmp, sub))) regenerated.set(`${sub}/${file}`, readFileSync(join(tmp, sub, file), 'utf8'));
    }
    const stale = staleSchemaFiles(SCHEMA_DIR, regenerated);
    assert.deepEqual(stale, [], `schema/ is stale: run npm run write-schema\n${stale.join('\n')}`);
  });

  it('is deterministic and writes one JSON and one TS file per named schema', () => {
    const a = generateSchemaFiles();
    const b = generateSchemaFiles();
    assert.deepEqual([...a], [...b]);
    for (const [name] of NamedSchemas) {
      assert.ok(a.has(`json/${name}.json`), name);
      assert.ok(a.has(`typescript/${name}.ts`), name);
    }
    assert.ok(a.has('json/threadstate.schemas.json') && a.has('typescript/index.ts'));
    for (const [path, content] of a) {
      assert.ok(content.endsWith('\n') && !content.includes('\r'), path);
      assert.ok(content.includes(HEADER), path);
    }
  });

  it('the check finds missing, changed and extra files', () => {
    const files = generateSchemaFiles();
    writeSchemaFiles(tmp, files);
    assert.deepEqual(staleSchemaFiles(tmp, files), []);
    writeFileSync(join(tmp, 'json', 'Thread.json'), '{}\n');
    rmSync(join(tmp, 'typescript', 'Turn.ts'));
    writeFileSync(join(tmp, 'json', 'Old.json'), '{}\n');
    assert.deepEqual(staleSchemaFiles(tmp, files), ['json/Old.json (not generated)', 'json/Thread.json (differs)', 'typescript/Turn.ts (missing)']);
    // Rewriting removes the stale file, as `npm run write-schema` does.
    writeSchemaFiles(tmp, files);
    assert.deepEqual(staleSchemaFiles(tmp, files), []);
  });

  it('`npm run check-schema` passes on the committed schema/', () => {
    const out = execFileSync(process.execPath, ['scripts/write-schema.ts', '--check'], { cwd: join(SCHEMA_DIR, '..'), encoding: 'utf8' });
    assert.match(out, /schema\/ is up to date/);
  });

  it('Thread.json requires cliVersion and refers to Turn by $ref', () => {
    const thread = readJson('Thread.json');
    assert.deepEqual(thread.properties.cliVersion.type, 'string');
    assert.ok(thread.required.includes('cliVersion'));
    assert.equal(thread.required.length, 33);
    assert.deepEqual(thread.properties.turns.items, { $ref: '#/$defs/Turn' });
    assert.ok(thread.$defs.Turn && thread.$defs.ThreadItem);
  });

  it('the agentMessage item schema has an optional, nullable phase', () => {
    const agent = readJson('AgentMessageItem.json');
    assert.ok(agent.properties.phase);
    assert.ok(!agent.required.includes('phase'));
    assert.deepEqual(agent.properties.phase.anyOf, [{ $ref: '#/$defs/MessagePhase' }, { type: 'null' }]);
    const ts = readFileSync(join(SCHEMA_DIR, 'typescript', 'AgentMessageItem.ts'), 'utf8');
    assert.match(ts, /phase\?: MessagePhase \| null;/);
  });

  it('the generated JSON Schemas accept the real Codex answers', () => {
    const validators = {
      'thread/list': Compile(readJson('ThreadListResponse.json')),
      'thread/read': Compile(readJson('ThreadReadResponse.json')),
      'thread/turns/list': Compile(readJson('ThreadTurnsListResponse.json')),
    } as Record<string, ReturnType<typeof Compile>>;
    let checked = 0;
    for (const e of loadAnswers('codex-0.169.0').exchanges) {
      const v = validators[e.method];
      if (v === undefined || e.result === undefined) continue;
      assert.ok(v.Check(e.result), e.label);
      checked++;
    }
    assert.ok(checked > 50);
    assert.ok(!validators['thread/read'].Check({ thread: {}, readState: null }));
  });

  it('the generated TypeScript declarations type-check', function () {
    this.timeout(60_000);
    const tsc = join(SCHEMA_DIR, '..', 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '--noEmit', '--strict', '--allowImportingTsExtensions', '--module', 'nodenext',
      '--moduleResolution', 'nodenext', '--target', 'es2023', join(SCHEMA_DIR, 'typescript', 'index.ts')], { encoding: 'utf8' });
  });
});
