// Logs through the real logger and sink, as the server would: `write-logs.ts HOME COUNT PREFIX [DELAY_MS]`.
// Prints `started` once the sink is attached, then `served` after the last record was logged and
// the sink closed. The caller decides what the database state should be.

import { logger } from '../../../../src/logs/logger.ts';
import { startLogSink } from '../../../../src/logs-db/sink.ts';

const [home, countText, prefix, delayText] = process.argv.slice(2);
const sink = startLogSink({ codexHome: home, flushIntervalMs: 20, reopenAfterMs: 100 });
const log = logger('child.writer');
process.stdout.write('started\n');
const count = Number(countText);
const delay = Number(delayText ?? '0');
for (let i = 0; i < count; i++) {
  log.info(`${prefix} ${i}`, { threadId: 'child-thread', i });
  if (delay > 0) await new Promise((r) => setTimeout(r, delay));
}
sink.close();
process.stdout.write(`served ${JSON.stringify(sink.status())}\n`);
