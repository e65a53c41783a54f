import type { Server } from 'node:net';
import { EngineError } from './errors';

/**
 * Listen, or fail with an EngineError that says what to do: PORT_IN_USE naming the flag that
 * moves it, BIND_FAILED otherwise (address not on this host, permission, …).
 */
export function listenOrExplain(
  server: Server,
  where: { host: string; port: number; what: string; flag: string },
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new EngineError(
              'PORT_IN_USE',
              `${where.what} port ${where.port} is already in use on ${where.host}; stop what uses it or pass ${where.flag}`,
              { cause: err },
            )
          : new EngineError('BIND_FAILED', `cannot listen on ${where.host}:${where.port}: ${err.message}`, {
              cause: err,
            }),
      );
    };
    server.once('error', onError);
    server.listen(where.port, where.host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
