// The JSON-RPC error codes the app-server protocol uses (Codex: codex-rs/app-server/src/error_code.rs).
// Only server/ turns errors into wire errors (server/rpc-error.ts); code below it throws
// DomainErrors (src/errors.ts) and never picks one of these.

export const ErrorCode = {
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** The ingress queue is full: `Server overloaded; retry later.` */
  Overloaded: -32001,
} as const;
