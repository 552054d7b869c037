// The composition root: everything a handler may call, built once per server process.

import { ensureDir, readDefaultModelProvider } from '../config.ts';
import { Notifier } from './notifier.ts';

export interface Services {
  codexHome: string;
  /** `model_provider` from config.toml (else `openai`): the default `thread/list` provider filter. */
  defaultModelProvider: string;
  notifier: Notifier;
  close(): Promise<void>;
}

export async function createServices(codexHome: string): Promise<Services> {
  ensureDir(codexHome);
  const notifier = new Notifier();
  return {
    codexHome,
    defaultModelProvider: readDefaultModelProvider(codexHome),
    notifier,
    close: async () => {},
  };
}
