// The stderr threshold: OFF writes nothing (sinks still get every record), and raising it for a
// while restores the previous threshold, whatever it was (quietly() once reset it to INFO).

import assert from 'node:assert/strict';
import { getStderrLevel, logger, raiseStderrLevel, setStderrLevel, type StderrLevel } from '../../../src/logs/logger.ts';
import { quietly } from '../../../scripts/reliability/lib.ts';
import { recordLogs } from '../../helpers/logs.ts';

const log = logger('test.stderr-level');

/** What the logger writes to stderr while `fn` runs. */
function stderrOf(fn: () => void): string {
  const original = process.stderr.write.bind(process.stderr);
  let out = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return out;
}

describe('logger: the stderr level', () => {
  let saved: StderrLevel;
  beforeEach(() => {
    saved = getStderrLevel();
  });
  afterEach(() => setStderrLevel(saved));

  it('writes records at or above the level, none at OFF, while sinks still receive them', () => {
    setStderrLevel('WARN');
    const shown = stderrOf(() => {
      log.info('below the level');
      log.warn('at the level', { n: 1 });
    });
    assert.doesNotMatch(shown, /below the level/);
    assert.match(shown, /WARN  test\.stderr-level - at the level \{"n":1\}\n$/);

    setStderrLevel('OFF');
    const logs = recordLogs('INFO');
    const silent = stderrOf(() => log.error('only for the sink'));
    logs.stop();
    assert.equal(silent, '');
    assert.deepEqual(logs.lines(), ['ERROR test.stderr-level: only for the sink']);
  });

  it('raises the level until restored, and keeps a stricter one (or OFF) in force', () => {
    for (const before of ['DEBUG', 'INFO', 'ERROR', 'OFF'] as const) {
      setStderrLevel(before);
      const restore = raiseStderrLevel('WARN');
      assert.equal(getStderrLevel(), before === 'DEBUG' || before === 'INFO' ? 'WARN' : before);
      restore();
      assert.equal(getStderrLevel(), before);
    }
  });

  it('quietly() restores the level that was in force, also when its work fails', async () => {
    for (const before of ['TRACE', 'WARN', 'OFF'] as const) {
      setStderrLevel(before);
      assert.equal(await quietly(async () => getStderrLevel()), before === 'OFF' ? 'OFF' : 'ERROR');
      assert.equal(getStderrLevel(), before);
      await assert.rejects(quietly(() => Promise.reject(new Error('boom'))), /boom/);
      assert.equal(getStderrLevel(), before);
    }
  });
});
