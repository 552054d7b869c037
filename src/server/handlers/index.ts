// Every method's handler, keyed by wire name. The type makes a missing or mistyped handler a
// compile error once the table is complete.

import { initialize } from './initialize.ts';
import { memoryHandlers } from './memory.ts';
import { searchHandlers } from './search.ts';
import { threadLifecycleHandlers } from './thread-lifecycle.ts';
import { threadReadHandlers } from './thread-read.ts';
import { threadWriteHandlers } from './thread-write.ts';
import { toolHandlers } from './tools.ts';
import type { Handlers } from './types.ts';

export const handlers: Partial<Handlers> = {
  initialize,
  ...threadReadHandlers,
  ...threadLifecycleHandlers,
  ...threadWriteHandlers,
  ...toolHandlers,
  ...memoryHandlers,
  ...searchHandlers,
};
