// `--listen` / `--upstream` addresses: `stdio://`, `unix://PATH` (or `unix://` for Codex's control
// socket in the Codex home) and `ws://HOST:PORT`. Parsing only; nothing is opened here.

import { join } from 'node:path';

export type ListenAddress =
  | { kind: 'stdio' }
  | { kind: 'unix'; path: string }
  | { kind: 'ws'; host: string; port: number };

/** Where plain `codex` looks for a running app-server (Codex 0.169). */
export function controlSocketPath(codexHome: string): string {
  return join(codexHome, 'app-server-control', 'app-server-control.sock');
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parses a listen/connect address; `unix://` without a path means Codex's control socket. */
export function parseAddress(text: string, codexHome: string): ListenAddress {
  if (text === 'stdio://' || text === 'stdio') return { kind: 'stdio' };
  if (text.startsWith('unix://')) {
    const path = text.slice('unix://'.length);
    return { kind: 'unix', path: path === '' ? controlSocketPath(codexHome) : path };
  }
  if (text.startsWith('ws://')) {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new Error(`invalid address '${text}': expected ws://HOST:PORT`);
    }
    if (url.port === '' && !/:0\/?$/.test(text)) throw new Error(`invalid address '${text}': ws:// needs a port (ws://127.0.0.1:PORT; 0 picks a free one)`);
    const host = url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[(.*)\]$/, '$1');
    return { kind: 'ws', host, port: Number(url.port || 0) };
  }
  throw new Error(`invalid address '${text}': expected stdio://, unix://PATH or ws://HOST:PORT`);
}

export function formatAddress(address: ListenAddress): string {
  switch (address.kind) {
    case 'stdio': return 'stdio://';
    case 'unix': return `unix://${address.path}`;
    case 'ws': return `ws://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`;
  }
}
