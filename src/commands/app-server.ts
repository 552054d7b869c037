import { resolveCodexHome } from '../config.ts';
import { resolveLogLevel } from '../logs-db/sink.ts';
import { serveStdio } from '../server/app-server.ts';
import { createServices } from '../server/services.ts';
import { CODEX_HOME_FLAG, flagSet, flagValue, type Command } from './command.ts';

export const appServerCommand: Command = {
  name: 'app-server',
  summary: 'serve the Codex app-server JSON-RPC protocol on stdin/stdout',
  flags: [
    CODEX_HOME_FLAG,
    { name: 'no-index', description: 'answer from the rollout files only: do not open or build the SQLite index' },
    { name: 'log-level', value: 'LEVEL', description: 'stderr log level: trace, debug, info, warn, error (default: $THREADSTATE_LOG, else info)' },
  ],
  details:
    'Reads one JSON-RPC message per line on stdin and writes one per line on stdout; logs go to stderr\n' +
    'and to the logs database in the home. Exits with code 0 when stdin closes.',
  async run(flags) {
    const logLevel = resolveLogLevel(flagValue(flags, 'log-level'));
    const services = await createServices(resolveCodexHome(flagValue(flags, 'codex-home')), { logLevel, useIndex: !flagSet(flags, 'no-index') });
    try {
      await serveStdio({ input: process.stdin, output: process.stdout, services });
    } finally {
      await services.close();
    }
    return 0;
  },
};
