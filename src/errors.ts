// JSON-RPC error values shared by every layer. Services throw these; the dispatcher turns them
// into wire errors. Anything else thrown becomes -32603 `internal error while handling <method>:
// <message>`; its stack stays in the logs.

export const ErrorCode = {
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  Overloaded: -32001,
} as const;

export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

export function invalidRequest(message: string, data?: unknown): RpcError {
  return new RpcError(ErrorCode.InvalidRequest, message, data);
}

export function invalidParams(message: string, data?: unknown): RpcError {
  return new RpcError(ErrorCode.InvalidParams, message, data);
}

export function methodNotFound(message: string): RpcError {
  return new RpcError(ErrorCode.MethodNotFound, message);
}

export function internalError(message: string): RpcError {
  return new RpcError(ErrorCode.InternalError, message);
}

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
