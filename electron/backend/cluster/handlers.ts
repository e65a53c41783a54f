/** Domain `cluster`: status, start, stop, and the `cluster:events` stream. */
import type { EngineHandle } from '../../engine/client';
import { BackendError } from '../errors';
import { type HandlerRegistry, noArgs } from '../registry';
import type { ClusterStatusService } from './status';

export function registerClusterHandlers(
  registry: HandlerRegistry,
  engine: EngineHandle,
  status: ClusterStatusService,
): () => void {
  registry.handle('cluster:status', noArgs, () => Promise.resolve(status.status));

  registry.handle('cluster:start', noArgs, async () => {
    if (engine.state === 'stopping') {
      throw new BackendError('CONFLICT', 'the cluster is stopping; start it again once it has stopped');
    }
    try {
      await engine.start();
    } catch (err) {
      throw new BackendError('UNAVAILABLE', `the cluster did not start: ${(err as Error).message}`, {
        cause: err,
      });
    }
    return status.refresh();
  });

  registry.handle('cluster:stop', noArgs, async () => {
    await engine.stop();
    return status.status;
  });

  const forward = (s: typeof status.status) => registry.emit('cluster:events', { type: 'status', status: s });
  status.events.on('status', forward);
  return () => status.events.off('status', forward);
}
