// The log records a piece of code under test emits, for tests of failure paths: such a path must
// say in the logs what went wrong, and its test checks that it did. (test/setup.ts keeps them off
// stderr on a green run.)

import { addLogSink, type Level, type LogRecord } from '../../src/logs/logger.ts';

export interface RecordedLogs {
  readonly records: LogRecord[];
  /** `<level> <target>: <message>` of each record, in order. */
  lines(): string[];
  stop(): void;
}

/** Records every record at `minLevel` or above until `stop()`. */
export function recordLogs(minLevel: Level = 'WARN'): RecordedLogs {
  const records: LogRecord[] = [];
  const stop = addLogSink({ minLevel, write: (record) => records.push(record) });
  return {
    records,
    lines: () => records.map((r) => `${r.level} ${r.target}: ${r.message}`),
    stop: () => {
      stop();
    },
  };
}
