/**
 * Cluster status as the UI sees it: the last `cluster:status`, kept current by `cluster:events`,
 * plus whether the transport itself is up. `connection` is what the status indicator shows.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { ClusterStatus } from '../../../electron/contract';
import { ApiError, invoke, on, onConnectionChange, transportConnected } from '../api/client';

export type Connection = 'connecting' | 'connected' | 'degraded' | 'disconnected';

export const useClusterStore = defineStore('cluster', () => {
  const status = ref<ClusterStatus | null>(null);
  const transportUp = ref(false);
  const lastError = ref<string | null>(null);
  const busy = ref(false);
  let started = false;

  const connection = computed<Connection>(() => {
    if (!transportUp.value) return status.value ? 'disconnected' : 'connecting';
    if (!status.value) return 'connecting';
    const s = status.value;
    return s.engine === 'running' && s.apiServer?.ready ? 'connected' : 'degraded';
  });

  const connectionLabel = computed(() => {
    switch (connection.value) {
      case 'connected':
        return 'connected';
      case 'connecting':
        return 'connecting…';
      case 'disconnected':
        return 'disconnected';
      case 'degraded': {
        const s = status.value;
        if (!s) return 'connecting…';
        if (s.engine === 'running') return 'API server not ready';
        return `cluster ${s.engine}`;
      }
    }
    return 'unknown';
  });

  async function refresh() {
    try {
      status.value = await invoke('cluster:status', undefined);
      lastError.value = null;
    } catch (err) {
      lastError.value = (err as Error).message;
    }
  }

  /** Subscribe once; refetch whenever the transport (re)connects. */
  function start() {
    if (started) return;
    started = true;
    on('cluster:events', (event) => {
      if (event.type === 'status') status.value = event.status;
    });
    onConnectionChange((up) => {
      transportUp.value = up;
      if (up) void refresh();
    });
    transportUp.value = transportConnected();
    if (transportUp.value) void refresh();
  }

  async function run(action: 'cluster:start' | 'cluster:stop') {
    busy.value = true;
    try {
      status.value = await invoke(action, undefined);
      lastError.value = null;
    } catch (err) {
      lastError.value = err instanceof ApiError ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  }

  return {
    status,
    transportUp,
    lastError,
    busy,
    connection,
    connectionLabel,
    start,
    refresh,
    startCluster: () => run('cluster:start'),
    stopCluster: () => run('cluster:stop'),
  };
});
