/**
 * Composition root of the UI-facing backend: the services behind the contract, registered on one
 * HandlerRegistry that the Electron IPC bridge and the headless WebSocket server both serve.
 */
import type { EngineHandle } from '../engine/client';
import type { Logger } from '../engine/log';
import { registerClusterHandlers } from './cluster/handlers';
import { ClusterStatusService } from './cluster/status';
import { HandlerRegistry } from './registry';

export interface BackendDeps {
  engine: EngineHandle;
  dataDir: string;
  log: Logger;
}

export interface Backend {
  registry: HandlerRegistry;
  clusterStatus: ClusterStatusService;
  close(): void;
}

export function createBackend(deps: BackendDeps): Backend {
  const registry = new HandlerRegistry(deps.log);
  const clusterStatus = new ClusterStatusService(deps.engine, deps.dataDir, deps.log);
  const unregister = registerClusterHandlers(registry, deps.engine, clusterStatus);
  return {
    registry,
    clusterStatus,
    close() {
      unregister();
      clusterStatus.close();
    },
  };
}
