// Per-connection state: the handshake, the capabilities fixed at `initialize`, and the threads
// this connection has loaded (start/resume) and is subscribed to.

import { OPT_IN_NOTIFICATIONS } from '../protocol/methods.ts';

const OPT_IN_NOTIFICATION_METHODS = new Set(Object.keys(OPT_IN_NOTIFICATIONS));

export interface ClientInfo {
  name: string;
  title?: string | null;
  version: string;
}

export class Session {
  readonly id: number;
  initialized = false;
  clientInfo: ClientInfo | null = null;
  experimentalApi = false;
  optOutNotificationMethods = new Set<string>();
  /** threadstate's own notifications this connection asked for (OPT_IN_NOTIFICATIONS). */
  optInNotificationMethods = new Set<string>();
  readonly subscriptions = new Set<string>();

  constructor(id: number) {
    this.id = id;
  }

  wantsNotification(method: string): boolean {
    if (OPT_IN_NOTIFICATION_METHODS.has(method) && !this.optInNotificationMethods.has(method)) return false;
    return this.initialized && !this.optOutNotificationMethods.has(method);
  }
}
