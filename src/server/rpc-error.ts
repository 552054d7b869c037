// The one mapping from thrown values to wire errors (codes: protocol/error-codes.ts). Services throw
// `DomainError`s (src/errors.ts, which also states what detail reaches clients); the dispatcher's
// own refusals (handshake, unknown method, params) are `RpcError`s with their code.

import { DomainError, errorMessage, type DomainErrorKind } from '../errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';

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

export function invalidRequest(message: string): RpcError {
  return new RpcError(ErrorCode.InvalidRequest, message);
}

/**
 * The wire code of each kind, as Codex 0.169 answers the same cases: unknown threads and unusable
 * values are -32600 (Codex rejects them while deserializing or loading), filters its newer list
 * handlers refuse are -32602, an operation its thread store does not support is -32601, and a
 * failure to read what is stored is -32603.
 */
const CODE_OF_KIND: Readonly<Record<DomainErrorKind, number>> = {
  notFound: ErrorCode.InvalidRequest,
  invalidInput: ErrorCode.InvalidRequest,
  invalidFilter: ErrorCode.InvalidParams,
  unsupported: ErrorCode.MethodNotFound,
  unavailable: ErrorCode.InvalidRequest,
  conflict: ErrorCode.InvalidRequest,
  io: ErrorCode.InternalError,
};

export interface WireError {
  code: number;
  message: string;
  data?: unknown;
  /** Not a DomainError or RpcError: a bug or an unexpected failure, to be logged with its stack. */
  unexpected: boolean;
}

/** The wire error for anything a request threw (see src/errors.ts for what detail is sent). */
export function toWireError(err: unknown, method: string): WireError {
  if (err instanceof RpcError) return { code: err.code, message: err.message, data: err.data, unexpected: false };
  if (err instanceof DomainError) return { code: CODE_OF_KIND[err.kind], message: err.message, unexpected: false };
  return { code: ErrorCode.InternalError, message: `internal error while handling ${method}: ${errorMessage(err)}`, unexpected: true };
}
