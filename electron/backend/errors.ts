import type { ErrorCode } from '../contract';

/** An expected failure of a UI request; travels to the renderer as `{ ok: false, error }`. */
export class BackendError extends Error {
  override name = 'BackendError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
