// Routes server notifications: broadcasts go to every initialized connection that has not opted
// out of the method; thread-scoped ones only to connections subscribed to the thread.

import type { Session } from './session.ts';

export interface NotificationChannel {
  session: Session;
  send(method: string, params: unknown): void;
}

export class Notifier {
  private readonly channels = new Set<NotificationChannel>();

  add(channel: NotificationChannel): () => void {
    this.channels.add(channel);
    return () => this.channels.delete(channel);
  }

  broadcast(method: string, params: unknown): void {
    for (const channel of this.channels) {
      if (channel.session.wantsNotification(method)) channel.send(method, params);
    }
  }

  toThread(threadId: string, method: string, params: unknown): void {
    for (const channel of this.channels) {
      if (channel.session.subscriptions.has(threadId) && channel.session.wantsNotification(method)) {
        channel.send(method, params);
      }
    }
  }

  toSession(session: Session, method: string, params: unknown): void {
    for (const channel of this.channels) {
      if (channel.session === session && session.wantsNotification(method)) channel.send(method, params);
    }
  }

  /** Sessions subscribed to a thread (a thread stays loaded while any connection holds it). */
  subscribers(threadId: string): Session[] {
    return [...this.channels].map((c) => c.session).filter((s) => s.subscriptions.has(threadId));
  }
}
