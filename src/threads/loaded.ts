// Threads held in memory by this server (started or resumed). A started thread is not written to
// disk until its first items arrive (as Codex does); until then it lives only here.

import type { RolloutInit } from '../rollout/writer.ts';
import type { ThreadMetadata } from '../model/thread-metadata.ts';

export interface LoadedThread {
  id: string;
  metadata: ThreadMetadata;
  name: string | null;
  /** True once the rollout file exists. */
  materialized: boolean;
  ephemeral: boolean;
  /** How to write the rollout's first line when the thread materialises. */
  init: RolloutInit | null;
}

export class LoadedThreads {
  private readonly threads = new Map<string, LoadedThread>();

  get(id: string): LoadedThread | undefined {
    return this.threads.get(id);
  }

  set(thread: LoadedThread): void {
    this.threads.set(thread.id, thread);
  }

  delete(id: string): boolean {
    return this.threads.delete(id);
  }

  /** Loaded ids in string order. */
  ids(): string[] {
    return [...this.threads.keys()].sort();
  }
}
