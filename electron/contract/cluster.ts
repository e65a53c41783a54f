/** Domain `cluster`: the state of the control plane this UI is attached to. */

/** Lifecycle of the control plane (mirrors the engine's state enum). */
export type EngineState = 'stopped' | 'starting' | 'running' | 'stopping' | 'failed';

export interface ApiServerHealth {
  /** HTTPS URL of the Kubernetes API, e.g. https://127.0.0.1:6443. */
  url: string;
  /** Whether the last `/readyz` probe (TLS verified against the cluster CA) answered 200. */
  ready: boolean;
  /** Kubernetes-style version reported by `/version`, e.g. v1.33.0+pilothouse.0.1.0. */
  gitVersion: string | null;
  /** ISO time of the last probe. */
  checkedAt: string;
  /** Why the last probe failed, when it did. */
  error: string | null;
}

export interface ClusterStatus {
  engine: EngineState;
  /** Set while the engine is `failed`: the reason with a stable code. */
  engineError: { code: string; message: string } | null;
  /** ISO time the engine reached `running`, or null. */
  startedAt: string | null;
  dataDir: string;
  /** Admin kubeconfig for kubectl, once the engine has written it. */
  kubeconfigPath: string | null;
  /** Null until the engine has started once. */
  apiServer: ApiServerHealth | null;
}

export interface ClusterRequests {
  /** Current status, as last observed by the backend. */
  'cluster:status': { args: undefined; result: ClusterStatus };
  /** Start the control plane; resolves once it is running (or rejects with why it failed). */
  'cluster:start': { args: undefined; result: ClusterStatus };
  /** Stop the control plane gracefully; resolves once it has stopped. */
  'cluster:stop': { args: undefined; result: ClusterStatus };
}

/** Frames of the `cluster:events` stream. */
export type ClusterEvent = { type: 'status'; status: ClusterStatus };

export interface ClusterEvents {
  'cluster:events': ClusterEvent;
}
