// Where the live index hears of changes in the home. Two sources, one set of hints:
//
// - watch mode: one kernel watch per directory (the home, archived_sessions/, and every folder
//   under sessions/), never one per file. Node's `recursive: true` on Linux is not used: Node 24
//   implements it by putting a watch on every file and stat-ing each one at start (100k rollouts,
//   100k inotify watches), so the folders are watched one by one here instead (~400 for a year of
//   daily folders). Any watch error (inotify limits, a file system without notifications) switches
//   to poll mode.
// - a periodic check that needs no notifications: the mtime of every folder (a create, delete or
//   move inside changes it), the size and mtime of the files in the newest day folders and of the
//   files that changed lately (appends; files quiet for an hour in turns), and session_index.jsonl's size and mtime. It is the
//   whole mechanism in poll mode (every second by default) and a safety net for dropped events in
//   watch mode (every 10 s). A full reconcile runs now and then in both modes.

import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import { logger } from '../logs/logger.ts';
import { ARCHIVED_DIR, SESSIONS_DIR } from '../rollout/paths.ts';
import { SESSION_INDEX_FILE } from '../rollout/session-index.ts';

const log = logger('indexing.home-watch');

export type LiveMode = 'watch' | 'poll';

/** What the watcher reports; every hint is checked against the disk by whoever receives it. */
export interface HomeHints {
  /** This rollout may have been created, grown, moved or deleted. */
  rollout(path: string): void;
  /**
   * Entries of this folder were added or removed. `created`: the folder is new, so changes to its
   * files may have happened before it was watched: every rollout in it is a hint.
   */
  dir(path: string, created?: boolean): void;
  /** session_index.jsonl may have grown. */
  names(): void;
  /** Something changed that only a full reconcile can sort out. */
  rescan(): void;
}

export interface HomeWatchOptions {
  /** Use kernel notifications (default true); false: poll mode only. */
  watch?: boolean;
  /** The periodic check's interval in poll mode. */
  pollMs?: number;
  /** The periodic check's interval in watch mode. */
  safetyMs?: number;
  /** Full reconcile interval in poll mode and in watch mode. */
  reconcilePollMs?: number;
  reconcileWatchMs?: number;
}

export const DEFAULT_POLL_MS = 1000;
export const DEFAULT_SAFETY_MS = 10_000;
export const DEFAULT_RECONCILE_POLL_MS = 60_000;
export const DEFAULT_RECONCILE_WATCH_MS = 10 * 60_000;
/** sessions/YYYY/MM/DD is depth 3; deeper folders are followed as the walk does. */
const MAX_DEPTH = 8;
/** Day folders whose files are stat-ed at every check (appends land in the newest ones). */
const NEWEST_DAY_DIRS = 2;
/** Files that changed within this window are stat-ed at every check too. */
const HOT_MS = 15 * 60_000;
/**
 * Files of the newest day folders are stat-ed at every check while they changed within the last
 * ACTIVE_FILE_MS, at one check in RESTING_FILE_EVERY until QUIET_FILE_MS, then at one in
 * IDLE_FILE_EVERY (in turns, so each check stats a share of them).
 */
const ACTIVE_FILE_MS = 10 * 60_000;
const RESTING_FILE_EVERY = 3;
const QUIET_FILE_MS = 60 * 60_000;
const IDLE_FILE_EVERY = 10;
/** See start(): how far before `since` a change still counts as after it. */
const SINCE_SLACK_MS = 2000;

function isRolloutName(name: string): boolean {
  return name.startsWith('rollout-') && name.endsWith('.jsonl');
}

function statOrNull(path: string): { mtimeMs: number; ctimeMs: number; size: number; isDir: boolean; ino: number } | null {
  try {
    const st = statSync(path, { throwIfNoEntry: false });
    return st ? { mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, size: st.size, isDir: st.isDirectory(), ino: st.ino } : null;
  } catch {
    return null;
  }
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(dir, e.name));
  } catch {
    return [];
  }
}

interface KnownDir {
  depth: number;
  mtimeMs: number;
  watcher: FSWatcher | null;
}

export class HomeWatcher {
  readonly codexHome: string;
  private readonly hints: HomeHints;
  private readonly options: Required<HomeWatchOptions>;
  mode: LiveMode = 'poll';
  /** Why poll mode is active (null in watch mode). */
  reason: string | null = null;
  private readonly dirs = new Map<string, KnownDir>();
  private homeWatcher: FSWatcher | null = null;
  private readonly fileFacts = new Map<string, { facts: string; mtimeMs: number }>();
  private checks = 0;
  /** The rollouts of the newest day folders, listed when the folder's mtime changes. */
  private readonly dayFiles = new Map<string, { mtimeMs: number; paths: string[] }>();
  private readonly hot = new Map<string, number>();
  private namesFacts = '';
  private checkTimer: NodeJS.Timeout | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(codexHome: string, hints: HomeHints, options: HomeWatchOptions = {}) {
    this.codexHome = codexHome;
    this.hints = hints;
    this.options = {
      watch: options.watch ?? true,
      pollMs: options.pollMs ?? DEFAULT_POLL_MS,
      safetyMs: options.safetyMs ?? DEFAULT_SAFETY_MS,
      reconcilePollMs: options.reconcilePollMs ?? DEFAULT_RECONCILE_POLL_MS,
      reconcileWatchMs: options.reconcileWatchMs ?? DEFAULT_RECONCILE_WATCH_MS,
    };
  }

  get watchedDirs(): number {
    let n = this.homeWatcher ? 1 : 0;
    for (const d of this.dirs.values()) if (d.watcher) n++;
    return n;
  }

  /**
   * Records the folders as they are now and starts watching (or polling). `since` (ms since the
   * epoch): what changed after it is hinted (folders whose entries changed, session_index.jsonl,
   * files of the newest day folders), for a caller that starts following some time after the
   * point its clients' view begins; anything older is taken as already known.
   */
  start(since = Number.POSITIVE_INFINITY): void {
    this.mode = this.options.watch ? 'watch' : 'poll';
    this.reason = this.options.watch ? null : 'watches disabled';
    // File times may lag the clock by a tick (and by seconds on coarse file systems): hinting a
    // file that did not change costs one stat and a row lookup.
    const changedSince = since - SINCE_SLACK_MS;
    try {
      if (this.mode === 'watch') this.homeWatcher = this.watchDir(this.codexHome, (name) => this.onHomeEntry(name));
    } catch (err) {
      this.toPoll(err);
    }
    this.addTree(join(this.codexHome, SESSIONS_DIR), 0, false);
    this.addDir(join(this.codexHome, ARCHIVED_DIR), -1, false);
    this.namesFacts = this.factsOf(join(this.codexHome, SESSION_INDEX_FILE));
    if (Number.isFinite(since)) {
      for (const [dir, known] of this.dirs) if (known.mtimeMs >= changedSince) this.hintChangedEntries(dir, changedSince);
      if ((statOrNull(join(this.codexHome, SESSION_INDEX_FILE))?.mtimeMs ?? 0) >= changedSince) this.hints.names();
    }
    this.checkFiles(false, changedSince);
    this.schedule();
  }

  close(): void {
    this.closed = true;
    if (this.checkTimer) clearTimeout(this.checkTimer);
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.closeWatches();
    this.dirs.clear();
  }

  /** A path the index just changed: its file is stat-ed at every check for a while (appends). */
  markHot(path: string): void {
    this.hot.delete(path);
    this.hot.set(path, Date.now());
    if (this.hot.size > 4096) this.hot.delete(this.hot.keys().next().value!);
  }

  /**
   * The part of the check a list runs before it answers: has archived_sessions/ changed (a move in
   * or out of it)? One stat; the folder is compared with the index when it has.
   */
  checkArchive(): void {
    const dir = join(this.codexHome, ARCHIVED_DIR);
    const known = this.dirs.get(dir);
    const st = statOrNull(dir);
    if (!known || !st || st.mtimeMs === known.mtimeMs) return;
    known.mtimeMs = st.mtimeMs;
    this.hints.dir(dir);
  }

  /** One periodic check. */
  check(): void {
    if (this.closed) return;
    const facts = this.factsOf(join(this.codexHome, SESSION_INDEX_FILE));
    if (facts !== this.namesFacts) {
      this.namesFacts = facts;
      this.hints.names();
    }
    for (const [dir, known] of [...this.dirs]) {
      const st = statOrNull(dir);
      if (!st || !st.isDir) {
        this.dropDir(dir);
        this.hints.dir(dir);
        continue;
      }
      if (st.mtimeMs === known.mtimeMs) continue;
      known.mtimeMs = st.mtimeMs;
      if (known.depth >= 0 && known.depth < MAX_DEPTH) for (const sub of subdirs(dir)) if (!this.dirs.has(sub)) this.addTree(sub, known.depth + 1, true);
      this.hints.dir(dir);
    }
    for (const root of [join(this.codexHome, SESSIONS_DIR), join(this.codexHome, ARCHIVED_DIR)]) {
      if (!this.dirs.has(root) && statOrNull(root)?.isDir) {
        if (root.endsWith(ARCHIVED_DIR)) this.addDir(root, -1, true);
        else this.addTree(root, 0, true);
      }
    }
    this.checkFiles();
  }

  /**
   * Appends: the files of the newest day folders and the files changed lately are stat-ed. A
   * folder is listed again only when its mtime changed; its files are stat-ed less often the
   * longer they have been quiet (see ACTIVE_FILE_MS), so a home with thousands of rollouts a day
   * costs a few hundred stats a check, not thousands. `report` false: record the files as they
   * are (the start-up reconcile covers them), hinting only those changed since `reportChangedSince`.
   */
  private checkFiles(report = true, reportChangedSince = Number.POSITIVE_INFINITY): void {
    const days = [...this.dirs].filter(([, d]) => d.depth === 3).map(([p]) => p).sort().slice(-NEWEST_DAY_DIRS);
    for (const day of this.dayFiles.keys()) if (!days.includes(day)) this.dayFiles.delete(day);
    const now = Date.now();
    const check = this.checks++;
    const seen = new Set<string>();
    const compare = (path: string, force: boolean, slot: number): void => {
      seen.add(path);
      const known = this.fileFacts.get(path);
      if (known && !force) {
        const age = now - known.mtimeMs;
        const every = age > QUIET_FILE_MS ? IDLE_FILE_EVERY : age > ACTIVE_FILE_MS ? RESTING_FILE_EVERY : 1;
        if ((slot + check) % every !== 0) return;
      }
      const st = statOrNull(path);
      const facts = st ? `${st.size}:${st.mtimeMs}:${st.ino}` : '';
      if (known?.facts === facts) return;
      this.fileFacts.set(path, { facts, mtimeMs: st?.mtimeMs ?? 0 });
      if (report || (st !== null && st.ctimeMs >= reportChangedSince)) this.hints.rollout(path);
    };
    for (const day of days) {
      const mtimeMs = statOrNull(day)?.mtimeMs ?? -1;
      let listed = this.dayFiles.get(day);
      if (!listed || listed.mtimeMs !== mtimeMs) {
        let names: string[] = [];
        try {
          names = readdirSync(day);
        } catch {
          // gone: its files are hinted by the folder check
        }
        listed = { mtimeMs, paths: names.filter(isRolloutName).map((name) => join(day, name)) };
        this.dayFiles.set(day, listed);
      }
      listed.paths.forEach((path, slot) => compare(path, false, slot));
    }
    for (const [path, at] of this.hot) {
      if (now - at > HOT_MS) this.hot.delete(path);
      else if (!seen.has(path)) compare(path, true, 0);
    }
    for (const path of this.fileFacts.keys()) if (!seen.has(path)) this.fileFacts.delete(path);
  }

  /**
   * A folder whose entries changed since `since`: its rollouts created, moved in or written since
   * (a rename sets the change time) are hinted, and the folder is compared with the index (rows
   * whose file left it).
   */
  private hintChangedEntries(dir: string, since: number): void {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      // gone since: the folder hint below finds its rows
    }
    for (const name of names) {
      if (!isRolloutName(name)) continue;
      const path = join(dir, name);
      const st = statOrNull(path);
      if (st && st.ctimeMs >= since) this.hints.rollout(path);
    }
    this.hints.dir(dir);
  }

  private factsOf(path: string): string {
    const st = statOrNull(path);
    return st ? `${st.size}:${st.mtimeMs}:${st.ino}` : '';
  }

  private schedule(): void {
    if (this.closed) return;
    const every = this.mode === 'watch' ? this.options.safetyMs : this.options.pollMs;
    const tick = (): void => {
      try {
        this.check();
      } catch (err) {
        log.warn('periodic check of the home failed', { error: String(err) });
      }
      if (!this.closed) this.checkTimer = setTimeout(tick, this.mode === 'watch' ? this.options.safetyMs : this.options.pollMs).unref();
    };
    this.checkTimer = setTimeout(tick, every).unref();
    const reconcileEvery = this.mode === 'watch' ? this.options.reconcileWatchMs : this.options.reconcilePollMs;
    const rescan = (): void => {
      this.hints.rescan();
      if (!this.closed) this.reconcileTimer = setTimeout(rescan, this.mode === 'watch' ? this.options.reconcileWatchMs : this.options.reconcilePollMs).unref();
    };
    this.reconcileTimer = setTimeout(rescan, reconcileEvery).unref();
  }

  private watchDir(dir: string, onEntry: (name: string | null, event: string) => void): FSWatcher {
    const watcher = watch(dir, { persistent: false }, (event, name) => onEntry(name === null ? null : String(name), event));
    watcher.on('error', (err) => {
      if (this.closed) return;
      // A watched folder that was removed reports an error on some platforms: not a reason to stop watching.
      if (statOrNull(dir) === null) {
        this.dropDir(dir);
        this.hints.dir(dir);
        return;
      }
      this.toPoll(err);
    });
    return watcher;
  }

  private toPoll(err: unknown): void {
    if (this.mode === 'poll') return;
    const reason = err instanceof Error ? err.message : String(err);
    log.warn('file watching failed; following the home by periodic checks instead', { error: reason });
    this.mode = 'poll';
    this.reason = `watch failed: ${reason}`;
    this.closeWatches();
    if (this.checkTimer) clearTimeout(this.checkTimer);
    if (this.reconcileTimer) clearTimeout(this.reconcileTimer);
    this.schedule();
    // Events may have been lost before the failure showed.
    this.hints.rescan();
  }

  private closeWatches(): void {
    this.homeWatcher?.close();
    this.homeWatcher = null;
    for (const d of this.dirs.values()) {
      d.watcher?.close();
      d.watcher = null;
    }
  }

  private onHomeEntry(name: string | null): void {
    if (name === null) return this.hints.rescan();
    if (name === SESSION_INDEX_FILE) return this.hints.names();
    if (name === SESSIONS_DIR && !this.dirs.has(join(this.codexHome, SESSIONS_DIR))) this.addTree(join(this.codexHome, SESSIONS_DIR), 0, true);
    if (name === ARCHIVED_DIR && !this.dirs.has(join(this.codexHome, ARCHIVED_DIR))) this.addDir(join(this.codexHome, ARCHIVED_DIR), -1, true);
  }

  /** A folder and everything under it (sessions/ tree); `isNew`: its rollouts are hinted too. */
  private addTree(dir: string, depth: number, isNew: boolean): void {
    if (!this.addDir(dir, depth, isNew)) return;
    if (depth < MAX_DEPTH) for (const sub of subdirs(dir)) this.addTree(sub, depth + 1, isNew);
  }

  /** depth -1: archived_sessions/ (flat). */
  private addDir(dir: string, depth: number, isNew: boolean): boolean {
    if (this.dirs.has(dir)) return true;
    const st = statOrNull(dir);
    if (!st?.isDir) return false;
    const known: KnownDir = { depth, mtimeMs: st.mtimeMs, watcher: null };
    this.dirs.set(dir, known);
    if (this.mode === 'watch') {
      try {
        known.watcher = this.watchDir(dir, (name) => this.onDirEntry(dir, known, name));
      } catch (err) {
        this.toPoll(err);
      }
    }
    // A folder created just now may already hold files written before its watch existed.
    if (isNew) this.hints.dir(dir, true);
    return true;
  }

  private onDirEntry(dir: string, known: KnownDir, name: string | null): void {
    if (name === null) return this.hints.dir(dir);
    const path = join(dir, name);
    if (isRolloutName(name)) {
      this.hints.rollout(path);
      return;
    }
    if (known.depth < 0 || known.depth >= MAX_DEPTH) return;
    const st = statOrNull(path);
    if (st?.isDir) {
      if (!this.dirs.has(path)) this.addTree(path, known.depth + 1, true);
    } else if (this.dirs.has(path)) {
      // A folder moved away or removed: its rows are compared with the disk.
      this.dropDir(path);
      this.hints.dir(path);
    }
  }

  private dropDir(dir: string): void {
    const prefix = dir + '/';
    for (const [path, known] of [...this.dirs]) {
      if (path === dir || path.startsWith(prefix)) {
        known.watcher?.close();
        this.dirs.delete(path);
      }
    }
    if (basename(dir) === SESSIONS_DIR || basename(dir) === ARCHIVED_DIR) this.hints.rescan();
  }
}
