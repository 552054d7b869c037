// Pure parts of the Codex front: which requests stay with threadstate, the cursors it remembers,
// and parsing of --listen and --upstream.

import assert from 'node:assert/strict';
import { MintedCursors, routeRequest, type RoutingFacts } from '../../../src/front/routing.ts';
import { parseUpstream, splitCommandLine } from '../../../src/front/upstream.ts';
import { LoadedUpstreamThreads } from '../../../src/front/loaded-upstream.ts';
import { parseAddress } from '../../../src/server/transports/listen-address.ts';

const LOADED = 'loaded-thread';

function facts(minted: MintedCursors): RoutingFacts {
  return { isLoadedUpstream: (id) => id === LOADED, mintedLocally: (c) => minted.has(c) };
}

describe('front routing', () => {
  const minted = new MintedCursors(2);
  minted.recordPage({ data: [], nextCursor: 'ours-1', backwardsCursor: 'ours-0' });
  const f = facts(minted);

  it('keeps history reads of threads Codex has not loaded', () => {
    assert.equal(routeRequest('thread/list', { limit: 25, sortKey: 'updated_at' }, f), 'local');
    assert.equal(routeRequest('thread/search', { query: 'x' }, f), 'local');
    assert.equal(routeRequest('thread/read', { threadId: 'other' }, f), 'local');
    assert.equal(routeRequest('thread/turns/list', { threadId: 'other', cursor: null }, f), 'local');
    assert.equal(routeRequest('thread/items/list', { threadId: 'other', cursor: 'ours-1' }, f), 'local');
  });

  it('sends section queries, loaded threads, foreign cursors, writes and the rest upstream', () => {
    assert.equal(routeRequest('thread/list', { sectionId: 'abc', sortKey: 'section_position' }, f), 'upstream');
    assert.equal(routeRequest('thread/list', { sortKey: 'section_position' }, f), 'upstream');
    assert.equal(routeRequest('thread/read', { threadId: LOADED }, f), 'upstream');
    assert.equal(routeRequest('thread/turns/list', { threadId: 'other', cursor: '{"requestedThreadId":"x"}' }, f), 'upstream');
    for (const method of ['thread/archive', 'thread/start', 'thread/resume', 'turn/start', 'account/read', 'thread/loaded/list', 'unknown/method']) {
      assert.equal(routeRequest(method, {}, f), 'upstream', method);
    }
  });

  it('a cursor threadstate minted stays local even for a thread Codex loaded since', () => {
    assert.equal(routeRequest('thread/turns/list', { threadId: LOADED, cursor: 'ours-0' }, f), 'local');
  });

  it('forgets the oldest cursors past its capacity', () => {
    const small = new MintedCursors(2);
    small.recordPage({ nextCursor: 'a', backwardsCursor: 'b' });
    small.recordPage({ nextCursor: 'c', backwardsCursor: null });
    assert.equal(small.has('a'), false);
    assert.equal(small.has('b'), true);
    assert.equal(small.has('c'), true);
  });
});

describe('loaded threads learnt from the upstream', () => {
  it('follows start/resume answers, the loaded list, status changes and thread/closed', () => {
    const loaded = new LoadedUpstreamThreads();
    loaded.observeAnswer('thread/start', { thread: { id: 't1', status: { type: 'idle' } } });
    loaded.observeAnswer('thread/loaded/list', { data: ['t2'], nextCursor: null });
    loaded.observeNotification('thread/started', { thread: { id: 't3', status: { type: 'idle' } } });
    loaded.observeNotification('thread/status/changed', { threadId: 't1', status: { type: 'active', activeFlags: [] } });
    loaded.observeNotification('thread/status/changed', { threadId: 'never-loaded', status: { type: 'idle' } });
    assert.deepEqual(loaded.status('t1'), { type: 'active', activeFlags: [] });
    assert.ok(loaded.has('t2') && loaded.has('t3'));
    assert.equal(loaded.has('never-loaded'), false);
    loaded.observeNotification('thread/closed', { threadId: 't1' });
    assert.equal(loaded.has('t1'), false);
    loaded.observeAnswer('thread/read', { thread: { id: 't9' } });
    assert.equal(loaded.has('t9'), false);
  });
});

describe('front addresses', () => {
  it('parses --listen values and rejects others', () => {
    assert.deepEqual(parseAddress('stdio://', '/h'), { kind: 'stdio' });
    assert.deepEqual(parseAddress('unix://', '/h'), { kind: 'unix', path: '/h/app-server-control/app-server-control.sock' });
    assert.deepEqual(parseAddress('unix:///tmp/x.sock', '/h'), { kind: 'unix', path: '/tmp/x.sock' });
    assert.deepEqual(parseAddress('ws://127.0.0.1:4500', '/h'), { kind: 'ws', host: '127.0.0.1', port: 4500 });
    assert.deepEqual(parseAddress('ws://[::1]:0', '/h'), { kind: 'ws', host: '::1', port: 0 });
    assert.throws(() => parseAddress('ws://127.0.0.1', '/h'), /needs a port/);
    assert.throws(() => parseAddress('http://x:1', '/h'), /expected stdio/);
  });

  it('parses --upstream commands with quotes, and addresses', () => {
    assert.deepEqual(splitCommandLine(`"/opt/my codex/codex" app-server -c 'model="x y"' a\\ b`), ['/opt/my codex/codex', 'app-server', '-c', 'model="x y"', 'a b']);
    assert.throws(() => splitCommandLine('codex "unterminated'), /unterminated/);
    assert.deepEqual(parseUpstream('unix:///run/codex.sock'), { kind: 'unix', path: '/run/codex.sock' });
    assert.deepEqual(parseUpstream('ws://127.0.0.1:9'), { kind: 'ws', url: 'ws://127.0.0.1:9' });
    assert.deepEqual(parseUpstream('codex app-server'), { kind: 'command', argv: ['codex', 'app-server'] });
    assert.throws(() => parseUpstream('codex app-server --listen unix://x'), /leave --listen out/);
    assert.throws(() => parseUpstream('   '), /needs a command/);
  });
});

describe('WebSocket frame pieces', () => {
  it('splits UTF-8 text at most max bytes a piece, never inside a character', async () => {
    const { framePieces } = await import('../../../src/server/transports/websocket-channel.ts');
    const text = 'aé€😀'.repeat(50);
    const bytes = Buffer.from(text, 'utf8');
    for (const max of [4, 5, 7, 64]) {
      const pieces = framePieces(bytes, max);
      assert.ok(pieces.every((p) => p.length <= max && p.length > 0));
      assert.ok(pieces.every((p) => p.toString('utf8') === new TextDecoder('utf-8', { fatal: true }).decode(p)));
      assert.equal(Buffer.concat(pieces).toString('utf8'), text);
    }
    assert.deepEqual(framePieces(Buffer.from('abc'), 16), [Buffer.from('abc')]);
  });
});
