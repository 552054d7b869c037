import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../../../src/errors.ts';
import { toWireError } from '../../../src/server/rpc-error.ts';
import type { ThreadSearchParams, ThreadSearchResponse } from '../../../src/protocol/search.ts';
import { buildTurns } from '../../../src/rollout/history.ts';
import { openStateStore } from '../../../src/store/open.ts';
import type { StateStore } from '../../../src/store/store.ts';
import type { ThreadContext } from '../../../src/threads/context.ts';
import { LoadedThreads } from '../../../src/threads/loaded.ts';
import { indexRollout } from '../../../src/threads/locate.ts';
import { searchThreads } from '../../../src/threads/search.ts';
import { makeTempDir, removeDir } from '../../helpers/home.ts';
import { febAgent, febContent, febPrompt, newContent, writeThread } from './rollouts.ts';

const ALL_KINDS = ['cli', 'vscode', 'exec', 'appServer', 'subAgent', 'unknown'] as const;

describe('thread/search: the full-text index', function () {
  this.timeout(30000);
  let root: string;
  let home: string;
  let store: StateStore;
  let ctx: ThreadContext;

  async function open(): Promise<void> {
    store = openStateStore(home);
    await store.startBackgroundIndexing();
    ctx = { codexHome: home, defaultModelProvider: 'openai', defaultModel: 'm', store, loaded: new LoadedThreads() };
  }

  function search(query: string, extra: Partial<ThreadSearchParams> = {}): ThreadSearchResponse {
    return searchThreads(ctx, { query, sourceKinds: [...ALL_KINDS], ...extra });
  }

  function hitIds(query: string, extra: Partial<ThreadSearchParams> = {}): string[] {
    return search(query, extra).data.map((h) => h.thread.id);
  }

  beforeEach(() => {
    root = makeTempDir('threadstate-search-');
    home = join(root, 'codex-home');
  });

  afterEach(() => {
    store?.close();
    removeDir(root);
  });

  it('finds each kind of content in both eras, naming the item the turn rebuild shows', async () => {
    const feb = writeThread(home, febContent(), { time: '2026-02-10T10-00-00' });
    const now = writeThread(home, newContent(), { time: '2026-02-11T10-00-00' }, '0.169.0');
    await open();
    const febItems = (await buildTurns(feb.path)).flatMap((t) => t.items);
    const nowItems = (await buildTurns(now.path)).flatMap((t) => t.items);
    const cases: Array<[string, string, string, string]> = [
      ['wobbleflange', feb.id, 'user', 'userMessage'],
      ['quuxreason', feb.id, 'reasoning', 'reasoning'],
      ['zorbcommand', feb.id, 'command', 'commandExecution'],
      ['frobnoutput', feb.id, 'command', 'commandExecution'],
      ['glimmerfile', feb.id, 'fileChange', 'fileChange'],
      ['fetch_spindle', feb.id, 'tool', 'mcpToolCall'],
      ['lookup_gadget', feb.id, 'tool', 'dynamicToolCall'],
      ['answerword', feb.id, 'agent', 'agentMessage'],
      ['sprocketwheel', now.id, 'user', 'userMessage'],
      ['nebulareason', now.id, 'reasoning', 'reasoning'],
      ['blorpcommand', now.id, 'command', 'commandExecution'],
      ['quibbleoutput', now.id, 'command', 'commandExecution'],
      ['twinklefile', now.id, 'fileChange', 'fileChange'],
      ['lookup_doohickey', now.id, 'tool', 'dynamicToolCall'],
      ['replyword', now.id, 'agent', 'agentMessage'],
    ];
    for (const [word, threadId, kind, wireType] of cases) {
      const { data } = search(word);
      assert.equal(data.length, 1, word);
      assert.equal(data[0].thread.id, threadId, word);
      assert.equal(data[0].itemType, kind, word);
      const items = threadId === feb.id ? febItems : nowItems;
      const shown = items.find((i) => i.id === data[0].itemId);
      assert.ok(shown, `${word}: item ${data[0].itemId} is one thread/read shows`);
      assert.equal(shown.type, wireType, word);
    }
    // The 0.169 items keep their recorded ids.
    assert.equal(search('gear spins').data[0].itemId, 'msg_1');
    assert.equal(search('blorpcommand').data[0].itemId, 'call_new_1');
  });

  it('leaves out injected context, output past the indexed head, diffs and tool arguments', async () => {
    writeThread(home, febContent());
    writeThread(home, newContent(), { time: '2026-02-11T10-00-00' }, '0.169.0');
    await open();
    for (const word of ['hiddencontextword', 'pastthehead', 'diffonlyword', 'argumentonlyword']) assert.deepEqual(hitIds(word), [], word);
  });

  it('ranks the thread that says it more often and more densely first, and the Thread is the list form', async () => {
    const once = writeThread(home, [...febPrompt('gearbox noted once among many other words in a long prompt about nothing else')], { time: '2026-02-10T10-00-00' });
    const thrice = writeThread(home, [...febPrompt('gearbox gearbox'), febAgent('gearbox')], { time: '2026-02-11T10-00-00' });
    writeThread(home, [...febPrompt('unrelated words')], { time: '2026-02-12T10-00-00' });
    await open();
    const { data } = search('gearbox');
    assert.deepEqual(data.map((h) => h.thread.id), [thrice.id, once.id]);
    assert.ok(data[0].score > data[1].score);
    assert.equal(data[0].thread.turns.length, 0);
    assert.equal(data[0].thread.preview, 'gearbox gearbox');
    assert.equal(data[0].thread.forkedFromId, null);
  });

  it('gives a plain snippet with highlight ranges on the matched words (case and accents folded)', async () => {
    const t = writeThread(home, [...febPrompt(`${'lead '.repeat(40)}the Café Wobbler ran ${'tail '.repeat(40)}`)]);
    await open();
    const [hit] = search('cafe wobb*').data;
    assert.equal(hit.thread.id, t.id);
    assert.ok(hit.snippet.startsWith('…') && hit.snippet.endsWith('…'), hit.snippet);
    assert.deepEqual(hit.highlights.map((h) => hit.snippet.slice(h.start, h.end)), ['Café', 'Wobbler']);
    assert.ok(!/[\uE000\uE001]/.test(hit.snippet));
    const phrase = search('"the cafe wobbler"').data[0];
    assert.deepEqual(phrase.highlights.map((h) => phrase.snippet.slice(h.start, h.end)), ['the Café Wobbler']);
    assert.deepEqual(hitIds('"wobbler cafe"'), []);
  });

  it('prefix and phrase queries; words must all match', async () => {
    const a = writeThread(home, [...febPrompt('deploy the parser today')], { time: '2026-02-10T10-00-00' });
    const b = writeThread(home, [...febPrompt('parser deploy tomorrow')], { time: '2026-02-11T10-00-00' });
    await open();
    assert.deepEqual(hitIds('pars*').sort(), [a.id, b.id].sort());
    assert.deepEqual(hitIds('"deploy the"'), [a.id]);
    assert.deepEqual(hitIds('parser tomorrow'), [b.id]);
    assert.deepEqual(hitIds('"parser dep"*'), [b.id]);
    assert.deepEqual(hitIds('pars'), []);
  });

  it('deleting a thread (API or a vanished file at reconcile) removes its hits', async () => {
    const a = writeThread(home, [...febPrompt('vanishword one')], { time: '2026-02-10T10-00-00' });
    const b = writeThread(home, [...febPrompt('vanishword two')], { time: '2026-02-11T10-00-00' });
    await open();
    assert.equal(hitIds('vanishword').length, 2);
    store.deleteThread(a.id);
    assert.deepEqual(hitIds('vanishword'), [b.id]);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items WHERE thread_id = ?', a.id)?.n, 0);
    store.close();
    unlinkSync(a.path);
    unlinkSync(b.path);
    await open();
    assert.deepEqual(hitIds('vanishword'), []);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items')?.n, 0);
    assert.equal(store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM thread_search_text WHERE thread_search_text MATCH 'vanishword'")?.n, 0);
  });

  it('new text becomes searchable after an inject (indexRollout) and after a changed file is reconciled', async () => {
    const t = writeThread(home, [...febPrompt('first words')]);
    await open();
    assert.deepEqual(hitIds('injectedword'), []);
    appendFileSync(t.path, JSON.stringify(febAgent('an injectedword answer')) + '\n');
    await indexRollout(ctx, t.path);
    assert.deepEqual(search('injectedword').data.map((h) => [h.thread.id, h.itemType]), [[t.id, 'agent']]);
    store.close();
    appendFileSync(t.path, JSON.stringify(febAgent('later reconciledword')) + '\n');
    utimesSync(t.path, new Date(), new Date(Date.now() + 5000));
    await open();
    assert.deepEqual(hitIds('reconciledword'), [t.id]);
    assert.deepEqual(hitIds('injectedword'), [t.id]);
  });

  it('archive and unarchive move a thread between the archived and active searches', async () => {
    const t = writeThread(home, [...febPrompt('shelfword')]);
    await open();
    assert.deepEqual(hitIds('shelfword'), [t.id]);
    store.setArchived(t.id, { archived: true, archivedAt: 1, rolloutPath: t.path });
    assert.deepEqual(hitIds('shelfword'), []);
    assert.deepEqual(hitIds('shelfword', { archived: true }), [t.id]);
    store.setArchived(t.id, { archived: false, archivedAt: null, rolloutPath: t.path });
    assert.deepEqual(hitIds('shelfword'), [t.id]);
  });

  it('a database rebuilt from the rollouts answers exactly the same', async () => {
    for (let i = 0; i < 12; i++) {
      const words = ['alpha', 'beta', 'gamma', 'delta'].filter((_, k) => (i >> k) & 1 || k === i % 4);
      writeThread(home, [...febPrompt(`${words.join(' ')} item ${i}`), febAgent(`reply ${words.reverse().join(' ')}`)], { time: `2026-02-${String(10 + i).padStart(2, '0')}T10-00-00` });
    }
    writeThread(home, newContent(), { time: '2026-02-25T10-00-00' }, '0.169.0');
    await open();
    const queries = ['alpha', 'beta gamma', 'del*', '"gamma delta"', 'sprocketwheel', 'item'];
    const before = queries.map((q) => search(q, { limit: 100 }));
    store.close();
    for (const f of readdirSync(home)) if (f.startsWith('threadstate_')) rmSync(join(home, f), { force: true });
    await open();
    assert.equal(store.info.created, true);
    const after = queries.map((q) => search(q, { limit: 100 }));
    assert.deepEqual(after, before);
    assert.ok(before[0].data.length > 3);
  });

  it('filters by cwd (normalised), archived and source kinds like thread/list', async () => {
    const cli = writeThread(home, [...febPrompt('filterword')], { time: '2026-02-10T10-00-00', cwd: '/work/a', source: 'cli' });
    const exec = writeThread(home, [...febPrompt('filterword')], { time: '2026-02-11T10-00-00', cwd: '/work/b', source: 'exec' });
    const review = writeThread(home, [...febPrompt('filterword')], { time: '2026-02-12T10-00-00', cwd: '/work/a', source: { subagent: 'review' } });
    const archived = writeThread(home, [...febPrompt('filterword')], { time: '2026-02-13T10-00-00', cwd: '/work/a', archived: true });
    await open();
    const ids = (extra: Partial<ThreadSearchParams>) => searchThreads(ctx, { query: 'filterword', ...extra }).data.map((h) => h.thread.id).sort();
    assert.deepEqual(ids({}), [cli.id], 'default kinds are cli and vscode');
    assert.deepEqual(ids({ sourceKinds: [] }), [cli.id]);
    assert.deepEqual(ids({ sourceKinds: ['exec'] }), [exec.id]);
    assert.deepEqual(ids({ sourceKinds: ['subAgent'] }), [review.id]);
    assert.deepEqual(ids({ sourceKinds: [...ALL_KINDS], cwd: '/work/a/./' }), [cli.id, review.id].sort());
    assert.deepEqual(ids({ sourceKinds: [...ALL_KINDS], cwd: '/work/none' }), []);
    assert.deepEqual(ids({ archived: true }), [archived.id]);
  });

  it('finds the few hits a narrow filter leaves among many better-ranked matches, and pages through them', async () => {
    for (let i = 0; i < 30; i++) writeThread(home, [...febPrompt('narrowword '.repeat(5))], { time: `2026-01-${String(1 + (i % 28)).padStart(2, '0')}T10-${String(i).padStart(2, '0')}-00`, cwd: '/work/wide' });
    const few = [0, 1, 2].map((i) => writeThread(home, [...febPrompt(`narrowword among ${'other words '.repeat(10 + i)}`)], { time: `2026-02-0${i + 1}T10-00-00`, cwd: '/work/narrow' }));
    await open();
    const first = search('narrowword', { cwd: '/work/narrow', limit: 2 });
    assert.deepEqual(first.data.map((h) => h.thread.id), [few[0].id, few[1].id]);
    assert.ok(first.nextCursor);
    const second = search('narrowword', { cwd: '/work/narrow', limit: 2, cursor: first.nextCursor });
    assert.deepEqual(second.data.map((h) => h.thread.id), [few[2].id]);
    assert.equal(second.nextCursor, null);
    assert.equal(search('narrowword', { limit: 100 }).data.length, 33);
  });

  it('ranks only the most recently written matches when a query matches more than the window', async () => {
    // Older threads say the word more densely; the newest say it once among filler.
    const threads = Array.from({ length: 12 }, (_, i) => writeThread(home, [...febPrompt(i < 6 ? 'windowword '.repeat(8) : `windowword ${'filler '.repeat(5 + i)}`)], { time: `2026-03-${String(1 + i).padStart(2, '0')}T10-00-00` }));
    await open();
    const ranked = (rankWindow?: number) => store.search({ match: '"windowword"', limit: 50, anchor: null, archived: false, cwds: null, sourceKinds: ALL_KINDS, rankWindow }).map((hit) => hit.metadata.id);
    const everything = ranked(100);
    assert.equal(everything.length, 12);
    assert.deepEqual(new Set(everything.slice(0, 6)), new Set(threads.slice(0, 6).map((t) => t.id)));
    // A window of 4: the four newest documents, still in bm25 order (less filler ranks higher).
    assert.deepEqual(ranked(4), threads.slice(8).map((t) => t.id));
    // Rewriting an old thread's document makes it one of the newest.
    appendFileSync(threads[0].path, `${JSON.stringify(febAgent('more text'))}\n`);
    utimesSync(threads[0].path, new Date(), new Date());
    await indexRollout(ctx, threads[0].path);
    assert.deepEqual(ranked(4), [threads[0].id, ...threads.slice(9).map((t) => t.id)]);
  });

  it('pages with an opaque cursor: every hit once, in rank order; a bad cursor is -32600', async () => {
    for (let i = 0; i < 7; i++) {
      writeThread(home, [...febPrompt(`pageword ${'pageword '.repeat(i)}filler ${'x '.repeat(7 - i)}`)], { time: `2026-02-${String(10 + i).padStart(2, '0')}T10-00-00` });
    }
    // Two identical threads tie on rank: the thread id breaks the tie.
    writeThread(home, [...febPrompt('pageword tie')], { time: '2026-02-20T10-00-00' });
    writeThread(home, [...febPrompt('pageword tie')], { time: '2026-02-21T10-00-00' });
    await open();
    const all = search('pageword', { limit: 100 }).data;
    assert.equal(all.length, 9);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = search('pageword', { limit: 2, cursor });
      paged.push(...page.data.map((h) => h.thread.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 20);
    assert.equal(pages, 5);
    assert.deepEqual(paged, all.map((h) => h.thread.id));
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].score >= all[i].score);
    for (const bad of ['nope', '!!', Buffer.from('[1]').toString('base64url'), Buffer.from('["x","y"]').toString('base64url'), 'A'.repeat(600)]) {
      assert.throws(() => search('pageword', { cursor: bad }), (e: unknown) => toWireError(e, 'thread/search').code === -32600 && !toWireError(e, 'thread/search').unexpected, bad);
    }
  });

  it('answers hostile queries with hits or a clear -32600, never an SQL error', async () => {
    writeThread(home, [...febPrompt('normal text with NEAR and AND or OR words, col: value ^caret "quoted" it\'s -minus')]);
    await open();
    const hostile = [
      '"', '"unbalanced', 'a"b', 'NEAR(', 'NEAR(a b)', 'a OR b', 'a AND', 'NOT a', '*', '**', 'a**', '*a', 'x:', 'text:normal',
      '{text}: normal', '^normal', '-minus', '+a', "it's", "'; DROP TABLE threads; --", '(', ')', 'a) OR (b', '""', '"" ""',
      'normal\u0000text', '\u0007\u001b[31m', 'x'.repeat(1000), 'x'.repeat(1001), 'a '.repeat(33), '\uE000normal\uE001', '\uD800',
      '🙂', 'émoji 🙂 normal', '%', '_', '\\', 'a\nb', '   ', '',
    ];
    for (const q of hostile) {
      try {
        const r = search(q);
        assert.ok(Array.isArray(r.data), q);
      } catch (err) {
        assert.ok(err instanceof DomainError, `${JSON.stringify(q.slice(0, 40))}: ${String(err)}`);
        assert.equal(toWireError(err, 'thread/search').code, -32600, q);
        assert.match(err.message, /search query|cursor/);
      }
    }
    assert.deepEqual(search('NEAR(').data.length, 1, 'NEAR is a plain word');
    assert.deepEqual(search('normal:text').data.length, 1, 'no column filters: a phrase of two words');
    assert.deepEqual(search("'; DROP TABLE threads; --").data.length, 0);
    assert.equal(store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM threads')?.n, 1);
  });

  it('re-indexing replaces a thread\'s documents instead of adding to them', async () => {
    const t = writeThread(home, [...febPrompt('stableword')]);
    await open();
    const count = () => store.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM thread_search_items WHERE thread_id = ?', t.id)?.n;
    const before = count();
    await indexRollout(ctx, t.path);
    await indexRollout(ctx, t.path);
    assert.equal(count(), before);
    assert.equal(store.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM thread_search_text WHERE thread_search_text MATCH 'stableword'")?.n, 1);
  });
});
