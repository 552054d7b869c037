// Run as its own process between the front and the Codex app-server it starts:
//   node upstream-watchdog.ts <grace ms> <program> [args…]
// The command runs in a process group of its own (Codex's launcher is a Node script that starts
// the native binary, so there are two processes to stop). Its stdin is a pipe from the front that
// the front never writes: when it closes, the front is gone, however it died (SIGKILL included),
// and the whole group is stopped (SIGTERM, then SIGKILL after the grace period). Codex's own
// app-server ignores the end of its stdin, so it cannot watch the front itself.
// Reports on stdout, one line each: `pid <n>` once the command runs, or `error <code> <message>`
// when it could not be started. Exits as the command did (same code, or the same signal).
// No imports from the project: it must start fast and stay tiny.

import { spawn } from 'node:child_process';

const [graceText, program, ...args] = process.argv.slice(2);
const graceMs = Number(graceText);

const child = spawn(program, args, { detached: true, stdio: ['ignore', 'ignore', 'inherit'] });

function signalGroup(signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already empty.
  }
}

let stopping = false;
function stop(): void {
  if (stopping) return;
  stopping = true;
  signalGroup('SIGTERM');
  setTimeout(() => signalGroup('SIGKILL'), graceMs);
}

child.once('spawn', () => process.stdout.write(`pid ${child.pid}\n`));
child.once('error', (err: NodeJS.ErrnoException) => {
  process.stdout.write(`error ${err.code ?? 'EUNKNOWN'} ${err.message}\n`, () => process.exit(127));
});
child.once('exit', (code, signal) => {
  // Whatever the command left behind in its group goes with it.
  signalGroup('SIGKILL');
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
});

// The front's Ctrl-C reaches this process too (same terminal group); the front decides what to stop.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', stop);
process.on('SIGHUP', stop);
process.stdin.on('data', () => undefined);
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.on('close', stop);
