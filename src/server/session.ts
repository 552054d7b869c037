// Per-connection state: the handshake, the capabilities fixed at `initialize`, and the threads
// this connection has loaded (start/resume) and is subscribed to.

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
  readonly subscriptions = new Set<string>();

  constructor(id: number) {
    this.id = id;
  }

  wantsNotification(method: string): boolean {
    return this.initialized && !this.optOutNotificationMethods.has(method);
  }
}
