// `threadstate <command> [flags]`: picks the subcommand, parses its flags, prints help, and turns
// usage mistakes into one clear line on stderr.

import { appServerCommand } from './commands/app-server.ts';
import { backfillCommand } from './commands/backfill.ts';
import { daemonCommand } from './commands/daemon.ts';
import { doctorCommand } from './commands/doctor.ts';
import { logsCommand } from './commands/logs.ts';
import { formatHelp, parseFlags, type Command } from './commands/command.ts';
import { UsageError, errorMessage } from './errors.ts';
import { VERSION } from './version.ts';

const commands: Command[] = [appServerCommand, backfillCommand, daemonCommand, doctorCommand, logsCommand];

function mainHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  return [
    `threadstate ${VERSION} — thread-history server for coding agents`,
    '',
    'Usage: threadstate <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    "Run 'threadstate <command> --help' for a command's flags.",
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`threadstate: unknown command '${name}' (see 'threadstate --help')\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(formatHelp(command));
    return 0;
  }
  try {
    return await command.run(parseFlags(command, rest));
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`threadstate ${command.name}: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`threadstate ${command.name}: ${errorMessage(err)}\n`);
    return 1;
  }
}
