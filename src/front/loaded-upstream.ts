// The threads the upstream Codex app-server holds in memory, learnt from what passes through the
// front: answers to thread/start, resume and fork, the loaded list, and thread/started,
// thread/status/changed and thread/closed notifications. Shared by every link of one upstream.

type Status = Record<string, unknown>;

function obj(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

const LOADING_ANSWERS = new Set(['thread/start', 'thread/resume', 'thread/fork']);

export class LoadedUpstreamThreads {
  /** Thread id -> its last known status (null when none was seen). */
  private readonly threads = new Map<string, Status | null>();

  has(threadId: string): boolean {
    return this.threads.has(threadId);
  }

  status(threadId: string): Status | null {
    return this.threads.get(threadId) ?? null;
  }

  private add(threadId: unknown, status: unknown): void {
    if (typeof threadId !== 'string') return;
    this.threads.set(threadId, obj(status) ?? this.threads.get(threadId) ?? null);
  }

  clear(): void {
    this.threads.clear();
  }

  /** Learns from an upstream answer to `method`. */
  observeAnswer(method: string, result: unknown): void {
    const r = obj(result);
    if (!r) return;
    if (LOADING_ANSWERS.has(method)) {
      const thread = obj(r.thread);
      if (thread) this.add(thread.id, thread.status);
    } else if (method === 'thread/loaded/list' && Array.isArray(r.data)) {
      for (const id of r.data) if (!this.threads.has(id as string)) this.add(id, null);
    }
  }

  /** Learns from an upstream notification. */
  observeNotification(method: string, params: unknown): void {
    const p = obj(params);
    if (!p) return;
    if (method === 'thread/started') {
      const thread = obj(p.thread);
      if (thread) this.add(thread.id, thread.status);
    } else if (method === 'thread/status/changed') {
      if (typeof p.threadId === 'string' && this.threads.has(p.threadId)) this.add(p.threadId, p.status);
    } else if (method === 'thread/closed') {
      if (typeof p.threadId === 'string') this.threads.delete(p.threadId);
    }
  }
}
