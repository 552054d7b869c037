// Every method's handler, keyed by wire name. `satisfies Handlers` makes a missing, extra or
// mistyped handler a compile error.

import { initialize } from './initialize.ts';
import { memoryHandlers } from './memory.ts';
import { searchHandlers } from './search.ts';
import { threadLifecycleHandlers } from './thread-lifecycle.ts';
import { threadReadHandlers } from './thread-read.ts';
import { threadWriteHandlers } from './thread-write.ts';
import { toolHandlers } from './tools.ts';
import type { Handlers } from './types.ts';

export const handlers = {
  initialize,
  ...threadReadHandlers,
  ...threadLifecycleHandlers,
  ...threadWriteHandlers,
  ...toolHandlers,
  ...memoryHandlers,
  ...searchHandlers,
} satisfies Handlers;
