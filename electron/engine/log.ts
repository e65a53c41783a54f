/**
 * Structured logs (JSON lines on stderr) shared by every process. Fields that can carry
 * secrets are redacted by pino itself; free-form arguments go through `redact()` in the backend.
 */
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

export function createLogger(name: string, level: LogLevel = 'info'): Logger {
  return pino(
    {
      name,
      level,
      base: { pid: process.pid },
      redact: {
        paths: ['*.password', '*.passphrase', '*.token', '*.privateKey', '*.keyPem', 'token'],
        censor: '[redacted]',
      },
    },
    // Synchronous so that the last lines before an exit are not lost.
    pino.destination({ fd: 2, sync: true }),
  );
}
