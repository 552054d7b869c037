// Loaded by mocha before the tests (`--require`). A green run prints no log lines: in-process
// records go to a buffer instead of stderr, and those of a test that failed are printed after it.
// THREADSTATE_LOG=<level> prints records at that level as they happen instead (for debugging).
// Spawned servers are separate processes: the harness sets their THREADSTATE_LOG and keeps their stderr.

import { addLogSink, formatLogLine, parseLevel, setStderrLevel, type LogRecord } from '../src/logs/logger.ts';

const explicit = parseLevel(process.env.THREADSTATE_LOG ?? '');
setStderrLevel(explicit ?? 'OFF');

/** Records kept per test; a runaway test logs thousands, and the first ones tell the story. */
const KEEP = 300;
let held: LogRecord[] = [];
let dropped = 0;

if (explicit === null) {
  addLogSink({
    minLevel: 'INFO',
    write: (record) => {
      if (held.length < KEEP) held.push(record);
      else dropped++;
    },
  });
}

export const mochaHooks = {
  // Root afterEach hooks run last, so records of a test's own hooks count as the test's. Records of
  // a describe's `before` hook are shown with its first test.
  afterEach(this: Mocha.Context): void {
    const test = this.currentTest;
    if (test?.state === 'failed' && held.length > 0) {
      const more = dropped > 0 ? `(${dropped} more records not kept)\n` : '';
      process.stderr.write(`\nlog records of the failed test "${test.fullTitle()}":\n${held.map(formatLogLine).join('')}${more}\n`);
    }
    held = [];
    dropped = 0;
  },
};
