import { EngineError } from '../engine/errors';

/** A failure the CLI reports as one line on stderr and a non-zero exit. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }

  static from(err: unknown): CliError {
    if (err instanceof CliError) return err;
    if (err instanceof EngineError) return new CliError(err.message);
    return new CliError(err instanceof Error ? err.message : String(err));
  }
}
