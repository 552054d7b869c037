// Drives a terminal program in a detached tmux session: keys in, screen text out.

import { execFileSync } from 'node:child_process';

export class TmuxSession {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  static start(name: string, command: string, size = { width: 160, height: 45 }): TmuxSession {
    try {
      execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    } catch {
      throw new Error('tmux is needed for the TUI tests (apt-get install -y tmux; .ci/run installs it)');
    }
    execFileSync('tmux', ['new-session', '-d', '-s', name, '-x', String(size.width), '-y', String(size.height), command]);
    return new TmuxSession(name);
  }

  screen(): string {
    try {
      return execFileSync('tmux', ['capture-pane', '-p', '-t', this.name], { encoding: 'utf8' });
    } catch {
      return '';
    }
  }

  /** Types text literally, then pauses: the TUI takes a key right after a fast burst as part of a paste. */
  async type(text: string): Promise<void> {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
    await new Promise((r) => setTimeout(r, 700));
  }

  /** Presses keys by tmux name (Enter, Escape, C-a, …). */
  press(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  async waitForScreen(test: (screen: string) => boolean, what: string, timeoutMs = 30000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (test(screen)) return screen;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; screen:\n${screen}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  kill(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
