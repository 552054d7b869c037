// The error vocabulary. Code below `server/` throws `DomainError`s, which say what went wrong in
// domain terms and never pick a JSON-RPC code; `server/rpc-error.ts` maps each kind to its wire
// code in one table, used by the dispatcher.
//
// What reaches clients (the policy, also in CONTRIBUTING.md):
// - a DomainError's message is written for the client and sent as is. Where Codex answers the same
//   case its wording is kept exactly (clients and the fixture tests compare it). It may name files
//   in the Codex home: they belong to the user the client runs as, and Codex's messages name them too.
// - anything else thrown is a bug or an unexpected failure (an errno from the file system, SQLite):
//   the client gets -32603 `internal error while handling <method>: <message>`, the error's one-line
//   message only (Codex's internal errors also carry the underlying message, and it is what a user
//   can act on); its stack, cause and fields go to the log, never to the client.

export type DomainErrorKind =
  /** The thread, turn or rollout named does not exist (or not where the method looks for it). */
  | 'notFound'
  /** A value the client sent cannot be used: a malformed id or cursor, an empty name, a bad tool spec, a path outside the home. */
  | 'invalidInput'
  /** A `thread/list` filter this server does not apply, or does not apply that large. */
  | 'invalidFilter'
  /** An operation the thread store cannot do for this thread (yet). */
  | 'unsupported'
  /** Something the answer needs is not available in this process (the index could not be opened). */
  | 'unavailable'
  /** The thread's state forbids the request (loading an archived thread). */
  | 'conflict'
  /** A file or the index could not be read or written as the answer needs (an empty rollout, a read error). */
  | 'io';

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  constructor(kind: DomainErrorKind, message: string) {
    super(message);
    this.name = 'DomainError';
    this.kind = kind;
  }
}

function kindOf(kind: DomainErrorKind): (message: string) => DomainError {
  return (message) => new DomainError(kind, message);
}

export const notFound = kindOf('notFound');
export const invalidInput = kindOf('invalidInput');
export const invalidFilter = kindOf('invalidFilter');
export const unsupported = kindOf('unsupported');
export const unavailable = kindOf('unavailable');
export const conflict = kindOf('conflict');
export const ioFailure = kindOf('io');

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A bad command line (flag, value, argument): the CLI prints the message and exits 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
