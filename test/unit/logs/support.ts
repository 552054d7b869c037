// Shared test support for the logs tests: temp homes, seeding rows through the real store, and
// spawning helper processes on the pinned Node.

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LogStore, type NewLogRow } from '../../../src/logs-db/store.ts';

export { makeTempDir, removeDir } from '../../helpers/home.ts';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const NODE = `${REPO}node_modules/.bin/node`;
export const CHILDREN = fileURLToPath(new URL('./children/', import.meta.url));

let seq = 0;

/** A row with sensible defaults; `ts` defaults to now. */
export function row(overrides: Partial<NewLogRow> = {}): NewLogRow {
  seq++;
  const message = overrides.message ?? `message ${seq}`;
  return {
    ts: Math.floor(Date.now() / 1000),
    tsNanos: seq,
    level: 'INFO',
    target: 'test.logs',
    file: 'src/test/file.ts',
    line: 1,
    message,
    fieldsJson: null,
    threadId: null,
    processId: 4242,
    processUuid: 'proc-a',
    estimatedBytes: message.length + 20,
    ...overrides,
  };
}

/** Creates (or opens) the logs DB at `path` and inserts `rows` with no effective cap. */
export function seed(path: string, rows: NewLogRow[]): void {
  const store = LogStore.open(path);
  try {
    for (let i = 0; i < rows.length; i += 500) store.insert(rows.slice(i, i + 500), Number.MAX_SAFE_INTEGER);
  } finally {
    store.close();
  }
}

export function spawnChild(script: string, args: string[]): ChildProcess {
  return spawn(NODE, [`${CHILDREN}${script}`, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Resolves with the first stdout line of `child` that satisfies `match`. */
export function waitForLine(child: ChildProcess, match: (line: string) => boolean, timeoutMs = 15000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`child did not print the expected line; stdout so far: ${buffered} stderr: ${stderr}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      for (const line of buffered.split('\n')) {
        if (match(line)) {
          clearTimeout(timer);
          resolve(line);
          return;
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before the expected line; stdout: ${buffered} stderr: ${stderr}`));
    });
  });
}

/** Runs `child` to completion and returns its exit code, stdout and stderr. */
export function finish(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
