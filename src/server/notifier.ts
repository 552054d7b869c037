// Routes server notifications: broadcasts go to every initialized connection that has not opted
// out of the method; thread-scoped ones only to connections subscribed to the thread. Each
// notification is stamped once, when emitted, with `emittedAtMs` (Unix ms), which Codex 0.169 sends
// beside `params`; every connection gets the same stamp.

import type { Session } from './session.ts';

export interface NotificationChannel {
  session: Session;
  send(method: string, params: unknown, emittedAtMs: number): void;
}

export class Notifier {
  private readonly channels = new Set<NotificationChannel>();

  add(channel: NotificationChannel): () => void {
    this.channels.add(channel);
    return () => this.channels.delete(channel);
  }

  broadcast(method: string, params: unknown): void {
    const emittedAtMs = Date.now();
    for (const channel of this.channels) {
      if (channel.session.wantsNotification(method)) channel.send(method, params, emittedAtMs);
    }
  }

  toThread(threadId: string, method: string, params: unknown): void {
    const emittedAtMs = Date.now();
    for (const channel of this.channels) {
      if (channel.session.subscriptions.has(threadId) && channel.session.wantsNotification(method)) {
        channel.send(method, params, emittedAtMs);
      }
    }
  }

  toSession(session: Session, method: string, params: unknown): void {
    const emittedAtMs = Date.now();
    for (const channel of this.channels) {
      if (channel.session === session && session.wantsNotification(method)) channel.send(method, params, emittedAtMs);
    }
  }

  /** Sessions subscribed to a thread (a thread stays loaded while any connection holds it). */
  subscribers(threadId: string): Session[] {
    return [...this.channels].map((c) => c.session).filter((s) => s.subscriptions.has(threadId));
  }
}
