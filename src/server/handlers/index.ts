// Every method's handler, keyed by wire name. The type makes a missing or mistyped handler a
// compile error once the table is complete.

import { initialize } from './initialize.ts';
import type { Handlers } from './types.ts';

export const handlers: Partial<Handlers> = {
  initialize,
};
