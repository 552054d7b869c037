import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import type { Message } from 'vscode-jsonrpc/node.js';
import { NdjsonMessageWriter, type WriteHooks } from '../../../src/server/ndjson.ts';

/** Hooks that ask for `chunkedIds` to be written in chunks and record every message reported written. */
function hooks(chunkedIds: number[]): WriteHooks & { written: (m: Message) => void; reported: Message[] } {
  const reported: Message[] = [];
  return {
    reported,
    chunked: (m) => chunkedIds.includes((m as { id?: number }).id ?? -1),
    written: (m) => { reported.push(m); },
  };
}

/** Reads everything written to `stream` slowly, a small piece per tick, like a lagging client. */
function slowSink(): { stream: PassThrough; text: () => Promise<string> } {
  const stream = new PassThrough({ highWaterMark: 16 * 1024 });
  const parts: Buffer[] = [];
  const done = new Promise<string>((resolve) => {
    const pull = (): void => {
      let chunk: Buffer | null;
      let n = 0;
      while (n < 2 && (chunk = stream.read(64 * 1024) as Buffer | null) !== null) {
        parts.push(chunk);
        n++;
      }
      if (stream.readableEnded) return resolve(Buffer.concat(parts).toString('utf8'));
      setImmediate(pull);
    };
    stream.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    setImmediate(pull);
  });
  return { stream, text: () => done };
}

function bigResult(turns: number, outputChars: number): Record<string, unknown> {
  return {
    thread: {
      id: 't', preview: 'é "quoted" \u2028 \ud83d\ude00',
      turns: Array.from({ length: turns }, (_, i) => ({
        id: `turn-${i}`,
        items: [
          { type: 'userMessage', id: `item-${i}`, content: [{ type: 'text', text: `ask ${i}\n\t"x"` }] },
          { type: 'commandExecution', id: `call_${i}`, aggregatedOutput: `${i}:`.padEnd(outputChars, 'xé\n') },
        ],
        status: 'completed', error: null, startedAt: i, completedAt: null, durationMs: undefined,
      })),
    },
    readState: { firstUnread: null, revision: 'initial:t' },
  };
}

describe('NdjsonMessageWriter', () => {
  for (const streamed of [true, false]) {
    it(`writes a big answer (${streamed ? 'streamed in chunks' : 'one string'}) as exactly JSON.stringify plus a newline, through a slow reader, in order`, async () => {
      const sink = slowSink();
      const reports = hooks(streamed ? [1] : []);
      const writer = new NdjsonMessageWriter(sink.stream, reports);
      const result = bigResult(300, 20_000); // ~6 MB: several chunks and many drain waits
      const a = writer.write({ jsonrpc: '2.0', id: 1, result } as Message);
      const b = writer.write({ jsonrpc: '2.0', method: 'note', params: { n: 2 }, emittedAtMs: 1234 } as Message);
      const c = writer.write({ jsonrpc: '2.0', id: 3, result: { small: true } } as Message);
      await Promise.all([a, b, c]);
      await writer.flushed();
      sink.stream.end();
      const lines = (await sink.text()).split('\n');
      assert.equal(lines.length, 4);
      assert.equal(lines[3], '');
      assert.equal(lines[0], JSON.stringify({ id: 1, result }));
      // Framing only frames: a notification goes out as given (the Notifier stamps emittedAtMs).
      assert.equal(lines[1], '{"method":"note","params":{"n":2},"emittedAtMs":1234}');
      assert.equal(lines[2], '{"id":3,"result":{"small":true}}');
      assert.deepEqual(reports.reported.map((m) => (m as { id?: number }).id ?? 'note'), [1, 'note', 3], 'each message reported written once, in order');
    });
  }

  it('ends quietly when the client goes away mid-answer (EPIPE): nothing more is written, no error is raised', async () => {
    let calls = 0;
    const failing = new Writable({
      highWaterMark: 1024,
      write(_chunk, _enc, cb) {
        calls++;
        cb(calls === 1 ? Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) : null);
      },
    });
    const reports = hooks([1]);
    const writer = new NdjsonMessageWriter(failing, reports);
    const errors: unknown[] = [];
    writer.onError((e) => errors.push(e));
    await writer.write({ jsonrpc: '2.0', id: 1, result: bigResult(50, 30_000) } as Message);
    await writer.whenGone();
    assert.equal(writer.closed, true);
    assert.equal(reports.reported.length, 1, 'a failed message is reported too, so its resources are released');
    const before = calls;
    await writer.write({ jsonrpc: '2.0', id: 2, result: { small: true } } as Message);
    assert.equal(calls, before);
    assert.equal(errors.length, 0);
  });
});
