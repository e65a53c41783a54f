/**
 * The envelope every UI request is answered with, on every transport (Electron IPC, WebSocket).
 * Expected failures travel as `{ ok: false, error }`; the renderer's client rethrows them as an
 * `Error` carrying the same `code`.
 */
export type ErrorCode =
  /** The channel is not one the backend serves. */
  | 'UNKNOWN_CHANNEL'
  /** The arguments did not match the channel's schema. */
  | 'INVALID_ARGUMENT'
  /** The caller is not logged in (headless mode). */
  | 'UNAUTHENTICATED'
  /** The request conflicts with the current state (e.g. stopping a stopped cluster). */
  | 'CONFLICT'
  /** The cluster or a component it needs is not available right now. */
  | 'UNAVAILABLE'
  /** The transport dropped before an answer arrived. */
  | 'DISCONNECTED'
  /** A bug: anything not anticipated. The message says what happened. */
  | 'INTERNAL';

export interface ContractError {
  code: ErrorCode;
  message: string;
}

export type Envelope<T> = { ok: true; result: T } | { ok: false; error: ContractError };
