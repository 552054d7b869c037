// Runs `threadstate logs` the way cli.ts does (parse the declared flags, run, exit with the code),
// so signal and closed-pipe handling can be tested on a real process: `run-logs.ts [flags…]`.

import { parseFlags } from '../../../../src/commands/command.ts';
import { logsCommand } from '../../../../src/commands/logs.ts';

process.exitCode = await logsCommand.run(parseFlags(logsCommand, process.argv.slice(2)));
