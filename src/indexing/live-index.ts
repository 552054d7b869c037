// The live index: follows the home while the server runs. Hints from home-watch.ts (kernel events
// or periodic checks) are collected per file and applied in batches (live-apply.ts) once a burst
// has settled for DEBOUNCE_MS (at most MAX_WAIT_MS after its first hint), so the dozens of lines
// of one turn cost one incremental read. Names come from session_index.jsonl's new lines. Each
// batch reports the threads that appeared, changed, moved or disappeared to the listeners.
//
// Hints that arrive during the start-up backfill/reconcile wait for it. A list or search calls
// `settle()` first: whatever is pending is applied before it reads the index.

import { join } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { readdirSync } from 'node:fs';
import { logger } from '../logs/logger.ts';
import { realHomeSync } from '../rollout/paths.ts';
import { sessionIndexPath } from '../rollout/session-index.ts';
import { watermarkOf } from './indexer.ts';
import { planReconcile } from './reconcile.ts';
import { HomeWatcher, type HomeWatchOptions, type LiveMode } from './home-watch.ts';
import { ReportedThreads, applyRolloutPaths, type LiveStore, type LiveTarget, type ThreadChange } from './live-apply.ts';
import { NamesFollower } from './names-follower.ts';
import { TailCache } from './tail-cache.ts';

const log = logger('indexing.live-index');

export const DEBOUNCE_MS = 20;
export const MAX_WAIT_MS = 100;
/** Paths applied per batch (one transaction); a bigger burst is cut into several. */
const BATCH_PATHS = 256;
const RETRY_MS = 500;

export interface LiveIndexOptions extends HomeWatchOptions {
  debounceMs?: number;
  maxWaitMs?: number;
}

export interface LiveStatus {
  mode: LiveMode;
  /** Why poll mode is active; null in watch mode. */
  reason: string | null;
  watchedDirs: number;
}

export type ChangeListener = (changes: ThreadChange[]) => void;

export class LiveIndex {
  private readonly store: LiveStore;
  private readonly target: LiveTarget;
  private readonly watcher: HomeWatcher;
  private readonly names: NamesFollower;
  private readonly namesPath: string;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;
  private readonly listeners = new Set<ChangeListener>();
  private readonly paths = new Set<string>();
  /** Folders whose entries changed; true: a new folder, every rollout in it is hinted. */
  private readonly dirs = new Map<string, boolean>();
  private namesDirty = false;
  private rescanWanted = false;
  private ready = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private firstHintAt = 0;
  private running: Promise<void> | null = null;
  private baselineAt: number | null = null;

  constructor(store: LiveStore, options: LiveIndexOptions = {}) {
    this.store = store;
    this.target = { ...store, realHome: realHomeSync(store.codexHome), tails: new TailCache(), reported: new ReportedThreads() };
    this.debounceMs = options.debounceMs ?? DEBOUNCE_MS;
    this.maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
    this.names = new NamesFollower(store.codexHome);
    this.namesPath = sessionIndexPath(store.codexHome);
    this.watcher = new HomeWatcher(store.codexHome, {
      rollout: (path) => this.hint(() => this.paths.add(path)),
      dir: (path, created) => this.hint(() => this.dirs.set(path, created === true || this.dirs.get(path) === true)),
      names: () => this.hint(() => { this.namesDirty = true; }),
      rescan: () => this.hint(() => { this.rescanWanted = true; }),
    }, options);
  }

  /**
   * The point changes are followed from: names appended to session_index.jsonl after it, rows
   * inserted after it, and files and folders changed after it are news to this process's clients.
   * Cheap (a stat and a query), so the server takes it at once and starts following (the costly
   * part: a readdir and a watch per folder) after its first answers.
   */
  baseline(): void {
    if (this.baselineAt !== null) return;
    this.baselineAt = Date.now();
    this.names.skipToEnd();
    this.target.reported.seenRowid = this.maxRowid();
  }

  /**
   * Starts following (so nothing that happens during start-up indexing is missed) and applies
   * changes once `startup` (the start-up backfill/reconcile) has settled. What changed between the
   * baseline and now is hinted by the watcher's first look (folders and recent files changed since).
   */
  start(startup: Promise<unknown>): void {
    this.baseline();
    this.watcher.start(this.baselineAt!);
    log.info(this.watcher.mode === 'watch' ? 'following the home with file watches' : 'following the home with periodic checks', { ...this.status() });
    void startup.finally(async () => {
      // The changes seen during start-up are named from the rows as they were when following
      // began; after them, rows the start-up indexing inserted count as known.
      const afterStartup = this.maxRowid();
      this.ready = true;
      this.runNow();
      while (this.running) await this.running;
      this.target.reported.seenRowid = Math.max(this.target.reported.seenRowid, afterStartup);
    });
  }

  private maxRowid(): number {
    return this.store.db.get<{ r: number | null }>('SELECT max(rowid) AS r FROM threads')?.r ?? 0;
  }

  status(): LiveStatus {
    return { mode: this.watcher.mode, reason: this.watcher.reason, watchedDirs: this.watcher.watchedDirs };
  }

  onChanges(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies every pending change now (a list or search is about to read the index). */
  async settle(): Promise<void> {
    if (!this.ready || this.closed) return;
    this.watcher.checkArchive();
    if (this.hasWork()) this.runNow();
    while (this.running) await this.running;
  }

  /**
   * Applies these changed files now (rollouts, or session_index.jsonl for names), with whatever
   * else is pending: a row found behind its file, a write another process reported. Before the
   * start-up indexing has settled they wait for it, like any hint.
   */
  async refresh(paths: string[]): Promise<void> {
    if (this.closed) return;
    if (!this.hasWork()) this.firstHintAt = Date.now();
    for (const p of paths) {
      if (p === this.namesPath) this.namesDirty = true;
      else this.paths.add(p);
    }
    await this.settle();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher.close();
    if (this.timer) clearTimeout(this.timer);
    while (this.running) await this.running;
  }

  private hint(record: () => void): void {
    if (this.closed) return;
    if (!this.hasWork()) this.firstHintAt = Date.now();
    record();
    this.schedule();
  }

  private hasWork(): boolean {
    return this.paths.size > 0 || this.dirs.size > 0 || this.namesDirty || this.rescanWanted;
  }

  private schedule(): void {
    if (!this.ready || this.closed || !this.hasWork()) return;
    if (this.timer) clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.debounceMs, this.firstHintAt + this.maxWaitMs - Date.now()));
    this.timer = setTimeout(() => this.runNow(), wait);
  }

  private runNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) return; // the running loop picks the new work up
    this.running = this.drain().finally(() => {
      this.running = null;
      this.schedule();
    });
  }

  private async drain(): Promise<void> {
    while (this.hasWork() && !this.closed) {
      try {
        await this.step();
      } catch (err) {
        // The hints were put back: try again shortly (a database busy for long, a full disk).
        log.warn('could not apply changes of the home to the index; retrying', { error: String(err) });
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
  }

  private async step(): Promise<void> {
    if (this.rescanWanted) {
      this.rescanWanted = false;
      await this.rescan();
    }
    const dirs = [...this.dirs];
    this.dirs.clear();
    for (const [dir, created] of dirs) this.compareDir(dir, created);
    if (this.namesDirty) {
      this.namesDirty = false;
      this.applyNames();
    }
    const batch = this.takeAll(this.paths, BATCH_PATHS);
    if (batch.length === 0) return;
    let changes: ThreadChange[];
    try {
      changes = await applyRolloutPaths(this.target, batch);
    } catch (err) {
      for (const p of batch) this.paths.add(p);
      throw err;
    }
    for (const p of batch) this.watcher.markHot(p);
    this.emit(changes);
    await yieldToEventLoop();
  }

  private takeAll(set: Set<string>, max: number): string[] {
    const out: string[] = [];
    for (const v of set) {
      if (out.length >= max) break;
      out.push(v);
    }
    for (const v of out) set.delete(v);
    return out;
  }

  /** A folder's entries changed: rollouts on disk without a row, and rows without a file, are hinted. */
  private compareDir(dir: string, created: boolean): void {
    const prefix = `${watermarkOf(this.store.codexHome, dir)}/`;
    let names = new Set<string>();
    let gone = false;
    try {
      names = new Set(readdirSync(dir).filter((n) => n.startsWith('rollout-') && n.endsWith('.jsonl')));
    } catch {
      gone = true;
    }
    const rows = this.store.db.all<{ watermark: string; rollout_path: string }>(
      'SELECT watermark, rollout_path FROM threads WHERE watermark > ? AND watermark < ?', prefix, `${prefix.slice(0, -1)}0`,
    );
    const indexed = new Set<string>();
    for (const row of rows) {
      const rest = row.watermark.slice(prefix.length);
      if (!rest.includes('/')) {
        indexed.add(rest);
        if (!names.has(rest)) this.paths.add(row.rollout_path);
      } else if (gone) {
        this.paths.add(row.rollout_path); // the folder is gone: so is everything under it
      }
    }
    for (const name of names) if (created || !indexed.has(name)) this.paths.add(join(dir, name));
  }

  /** New lines of session_index.jsonl, read under the write lock (see NamesFollower.readNew). */
  private applyNames(): void {
    const db = this.store.db;
    const changed: ThreadChange[] = [];
    db.transaction(() => {
      for (const [id, name] of this.names.readNew()) {
        const row = db.get<{ archived: number; name: string | null }>('SELECT archived, name FROM threads WHERE id = ?', id);
        if (!row) continue;
        if (row.name !== name) db.run('UPDATE threads SET name = ? WHERE id = ?', name, id);
        // Reported even when another writer stored it first: this server's clients have not heard.
        changed.push({ threadId: id, kind: 'changed', archived: row.archived === 1 });
      }
    });
    this.emit(changed);
  }

  /** The slow safety net: the whole home compared with the index, differences hinted per file. */
  private async rescan(): Promise<void> {
    const files = await this.store.source.listRollouts(this.store.codexHome);
    const plan = planReconcile(this.store.db, files, this.store.codexHome);
    for (const w of plan.toIndex) this.paths.add(w.file.path);
    for (const r of plan.toRelocate) this.paths.add(r.file.path);
    for (const d of plan.toDrop) if (d.path !== '') this.paths.add(d.path);
    if (plan.toIndex.length + plan.toRelocate.length + plan.toDrop.length > 0) {
      log.info('periodic reconcile found changes the live index had not seen', { toIndex: plan.toIndex.length, relocate: plan.toRelocate.length, drop: plan.toDrop.length });
    }
  }

  private emit(changes: ThreadChange[]): void {
    if (changes.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(changes);
      } catch (err) {
        log.warn('a change listener failed', { error: String(err) });
      }
    }
  }
}

/** Whether kernel file watches are enabled: `--no-watch` or THREADSTATE_WATCH=0 turn them off. */
export function watchesEnabled(flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag === false) return false;
  const value = env.THREADSTATE_WATCH?.trim().toLowerCase();
  return !(value === '0' || value === 'false' || value === 'off' || value === 'no');
}

/** Interval overrides from the environment (tests and benches). */
export function liveOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<LiveIndexOptions> {
  const ms = (name: string): number | undefined => {
    const n = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
  };
  const out: Partial<LiveIndexOptions> = {};
  const poll = ms('THREADSTATE_POLL_MS');
  if (poll !== undefined) out.pollMs = poll;
  const reconcile = ms('THREADSTATE_RECONCILE_MS');
  if (reconcile !== undefined) {
    out.reconcilePollMs = reconcile;
    out.reconcileWatchMs = reconcile;
  }
  return out;
}
