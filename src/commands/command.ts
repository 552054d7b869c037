// A CLI subcommand: its help text and its flags are declared once, and `cli.ts` derives `--help`
// and argument parsing from them.

import { UsageError } from '../errors.ts';

export interface FlagSpec {
  name: string;
  /** Placeholder shown in help (e.g. `DIR`); absent for boolean flags. */
  value?: string;
  repeatable?: boolean;
  description: string;
}

export interface Command {
  name: string;
  summary: string;
  /** Extra help paragraphs after the flag list. */
  details?: string;
  flags: FlagSpec[];
  /** Words the command takes before its flags (e.g. `start`, `stop`); the chosen one is `flags.get(ACTION)`. */
  actions?: string[];
  run(flags: ParsedFlags): Promise<number>;
}

export type ParsedFlags = Map<string, string[] | true>;

/** Key of the chosen action word in ParsedFlags. */
export const ACTION = '';

/** Parses `--flag value`, `--flag=value` and boolean `--flag` against the command's declared flags. */
export function parseFlags(command: Command, argv: string[]): ParsedFlags {
  const parsed: ParsedFlags = new Map();
  let start = 0;
  if (command.actions) {
    const action = argv[0];
    if (action === undefined || !command.actions.includes(action)) {
      throw new UsageError(`expected one of ${command.actions.join(', ')}${action === undefined ? '' : `, got '${action}'`}`);
    }
    parsed.set(ACTION, [action]);
    start = 1;
  }
  for (let i = start; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument '${arg}' for 'threadstate ${command.name}'`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = command.flags.find((f) => f.name === name);
    if (!spec) throw new UsageError(`unknown flag '--${name}' for 'threadstate ${command.name}' (see 'threadstate ${command.name} --help')`);
    if (spec.value === undefined) {
      if (eq >= 0) throw new UsageError(`flag '--${name}' takes no value`);
      parsed.set(name, true);
      continue;
    }
    let value: string;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`flag '--${name}' needs a value (${spec.value})`);
      value = argv[++i];
    }
    const previous = parsed.get(name);
    if (Array.isArray(previous)) {
      if (!spec.repeatable) throw new UsageError(`flag '--${name}' given more than once`);
      previous.push(value);
    } else parsed.set(name, [value]);
  }
  return parsed;
}

export function flagValue(flags: ParsedFlags, name: string): string | undefined {
  const v = flags.get(name);
  return Array.isArray(v) ? v[v.length - 1] : undefined;
}

export function flagValues(flags: ParsedFlags, name: string): string[] {
  const v = flags.get(name);
  return Array.isArray(v) ? v : [];
}

export function flagSet(flags: ParsedFlags, name: string): boolean {
  return flags.get(name) === true;
}

/** Parses a non-negative integer flag value, or throws a UsageError naming the flag. */
export function integerFlag(flags: ParsedFlags, name: string, fallback: number): number {
  const raw = flagValue(flags, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} expects a whole number, got '${raw}'`);
  return Number(raw);
}

export const CODEX_HOME_FLAG: FlagSpec = {
  name: 'codex-home',
  value: 'DIR',
  description: 'Codex home to use (default: $CODEX_HOME, else ~/.codex)',
};

export function formatHelp(command: Command): string {
  const actions = command.actions ? ` ${command.actions.join('|')}` : '';
  const lines = [`threadstate ${command.name} — ${command.summary}`, '', `Usage: threadstate ${command.name}${actions} [flags]`, '', 'Flags:'];
  const rows = [...command.flags, { name: 'help', description: 'show this help' } as FlagSpec].map((f) => [
    `  --${f.name}${f.value ? ` ${f.value}` : ''}${f.repeatable ? ' (repeatable)' : ''}`,
    f.description,
  ]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [left, right] of rows) lines.push(left.padEnd(width) + right);
  if (command.details) lines.push('', command.details);
  return `${lines.join('\n')}\n`;
}
