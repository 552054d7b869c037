// The Codex-database side of a fork: the fork's row with the parent's name and settings, and for a
// paginated fork the projection state Codex gives its own forks (observed with Codex 0.169: offset =
// the fork file's size, ordinal = its next line ordinal).

import assert from 'node:assert/strict';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CodexDbSync } from '../../../src/codex-db/sync.ts';
import { extractThreadMetadata } from '../../../src/rollout/extract.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { recordForkInCodexDb } from '../../../src/threads/codex-db-fork.ts';
import { codexThreadRow, createCodexDb, insertCodexThread, withDb } from '../../helpers/codex-db-fixture.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';

const PARENT = '01a234a5-2675-7c63-aed9-12b47a3f7e11';
const FORK = '01a234a5-2842-7332-a662-fcfaccad573d';

describe('threads: a fork in Codex\'s databases', () => {
  let home: string;
  let codexDb: CodexDbSync;
  afterEach(() => {
    codexDb.close();
    removeDir(home);
  });

  async function forkFile(historyMode: 'paginated' | null): Promise<string> {
    const dir = join(home, 'sessions/2026/12/02');
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `rollout-2026-12-02T02-46-08-${FORK}.jsonl`);
    const ordinal = (n: number) => (historyMode ? { ordinal: n } : {});
    const meta = { id: FORK, forked_from_id: PARENT, timestamp: '2026-12-02T02:46:08.709Z', cwd: home, originator: 'x', cli_version: '0.169.0', source: 'vscode', model_provider: 'openai', ...(historyMode ? { history_mode: historyMode } : {}) };
    writeFileSync(path, [
      { timestamp: '2026-12-02T02:46:08.714Z', ...ordinal(23), type: 'session_meta', payload: meta },
      { timestamp: '2026-12-02T02:46:08.715Z', ...ordinal(24), type: 'event_msg', payload: { type: 'user_message', message: 'fork prompt', images: [], local_images: [], text_elements: [] } },
    ].map((l) => `${JSON.stringify(l)}\n`).join(''));
    return path;
  }

  for (const mode of ['paginated', null] as const) {
    it(`${mode ?? 'legacy'} fork: the row${mode ? ' and the projection state' : ' only'}`, async () => {
      home = makeTempDir();
      const state = createCodexDb(home, 'state_5');
      const history = createCodexDb(home, 'thread_history_1');
      insertCodexThread(state, PARENT, join(home, 'sessions/parent.jsonl'), { name: 'Parent name', approval_mode: 'never' });
      const path = await forkFile(mode);
      const meta = (await extractThreadMetadata(path, { codexHome: home })).metadata!;
      codexDb = new CodexDbSync(home);
      const ctx = { codexHome: home, defaultModelProvider: 'openai', defaultModel: 'm', store: null, loaded: new LoadedThreads(), codexDb };
      assert.equal(await recordForkInCodexDb(ctx, meta, PARENT, null), 'applied');
      const row = codexThreadRow(state, FORK)!;
      assert.deepEqual([row.name, row.approval_mode, row.history_mode], ['Parent name', 'never', mode ?? 'legacy']);
      const projection = withDb(history, (db) => db.prepare('SELECT * FROM thread_history_projection_state WHERE thread_id = ?').get(FORK));
      if (mode) assert.deepEqual({ ...projection }, { thread_id: FORK, next_rollout_byte_offset: statSync(path).size, next_rollout_ordinal: 25 });
      else assert.equal(projection, undefined);
    });
  }
});
