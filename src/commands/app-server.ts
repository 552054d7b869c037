import { resolveCodexHome } from '../config.ts';
import { parseLevel, setStderrLevel } from '../logs/logger.ts';
import { serveStdio } from '../server/app-server.ts';
import { createServices } from '../server/services.ts';
import { CODEX_HOME_FLAG, UsageError, flagValue, type Command } from './command.ts';

export const appServerCommand: Command = {
  name: 'app-server',
  summary: 'serve the Codex app-server JSON-RPC protocol on stdin/stdout',
  flags: [
    CODEX_HOME_FLAG,
    { name: 'log-level', value: 'LEVEL', description: 'stderr log level: trace, debug, info, warn, error (default: $THREADSTATE_LOG, else info)' },
  ],
  details:
    'Reads one JSON-RPC message per line on stdin and writes one per line on stdout; logs go to stderr\n' +
    'and to the logs database in the home. Exits with code 0 when stdin closes.',
  async run(flags) {
    const levelText = flagValue(flags, 'log-level');
    if (levelText !== undefined) {
      const level = parseLevel(levelText);
      if (!level) throw new UsageError(`--log-level expects one of trace, debug, info, warn, error, got '${levelText}'`);
      setStderrLevel(level);
    }
    const services = await createServices(resolveCodexHome(flagValue(flags, 'codex-home')));
    try {
      await serveStdio({ input: process.stdin, output: process.stdout, services });
    } finally {
      await services.close();
    }
    return 0;
  },
};
