/** Why the engine could not do what it was asked; `code` is stable, `message` says what to do. */
export type EngineErrorCode =
  | 'DATA_DIR_UNWRITABLE'
  | 'DATA_DIR_LOCKED'
  | 'PORT_IN_USE'
  | 'BIND_FAILED'
  | 'PKI_INVALID'
  | 'INVALID_CONFIG'
  | 'ENGINE_EXITED'
  | 'TIMEOUT'
  | 'INTERNAL';

export class EngineError extends Error {
  override name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  toJSON(): { code: EngineErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Wrap anything thrown into an EngineError, keeping one if it already is. */
export function toEngineError(err: unknown): EngineError {
  if (err instanceof EngineError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new EngineError('INTERNAL', message, { cause: err });
}
