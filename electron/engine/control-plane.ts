/**
 * Composition root of the control plane: data dir, PKI, cluster store (with its etcd v3
 * endpoint for the embedded and memory backends), API server, then the scheduler and the
 * controller manager as clients of that API server (components.ts), each started in
 * dependency order and stopped in reverse.
 * Plain Node: no Electron import, so the same code runs in Electron's utility process and in
 * `pilothouse server`.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EventEmitter } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { type ControlPlaneConfig, dataPaths } from './config';
import { lockDataDir, prepareDataDir } from './data-dir';
import { EngineError, toEngineError } from './errors';
import type { Logger } from './log';
import { HealthChecks } from './apiserver/healthz';
import { createApi } from './apiserver/api';
import { type ApiServer, startApiServer } from './apiserver/server';
import { type ClusterPki, ETCD_CLIENT_CN, ensureClusterPki } from './pki';
import { writeKubeconfig } from './pki/kubeconfig';
import { type StoreBackend, openStore } from './store';
import { startEtcdServer } from './store/grpc/server';
import type { Store } from './store/types';
import { versionInfo } from './version';
import { type ComponentSpec, startComponents } from './components';
import { ALL_CONTROLLERS } from './controllers';
import { createControllerManager } from './controllers/manager';
import { InformerFactory } from '../kube/informer';
import {
  type SchedulerConfig,
  SchedulerConfigError,
  createScheduler,
  parseSchedulerConfigText,
} from './scheduler';

export type ControlPlaneState =
  /** Not started, or stopped cleanly; start() may be called. */
  | 'stopped'
  /** start() is running: data dir, PKI, listeners. */
  | 'starting'
  /** Serving; `info` is set. */
  | 'running'
  /** stop() is running: readiness fails first, then components close in reverse order. */
  | 'stopping'
  /** start() failed; `error` says why. start() may be called again. */
  | 'failed';

export interface ControlPlaneInfo {
  dataDir: string;
  apiUrl: string;
  kubeconfigPath: string;
  caCertPath: string;
  gitVersion: string;
  storeBackend: StoreBackend;
  /**
   * The etcd v3 endpoint: the embedded one (https://127.0.0.1:2379) for the embedded and memory
   * backends, or the configured --etcd-servers (comma-separated) for the etcd backend.
   */
  etcdUrl: string;
  /** TLS files for an etcd client of etcdUrl (null when the etcd backend was given none). */
  etcdCaPath: string | null;
  etcdCertPath: string | null;
  etcdKeyPath: string | null;
}

/**
 * --service-account-issuer: the `iss` of service-account tokens. Kubernetes distributions use
 * the in-cluster name of the API server, which stays valid when the host or port changes.
 */
const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The --scheduler-config file, parsed; kube-scheduler's defaults without one. */
async function readSchedulerConfig(file: string | undefined): Promise<SchedulerConfig | undefined> {
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new EngineError(
      'INVALID_CONFIG',
      `cannot read the scheduler configuration ${file}: ${(err as Error).message}`,
    );
  }
  try {
    return parseSchedulerConfigText(text);
  } catch (err) {
    if (err instanceof SchedulerConfigError) {
      // The parser's messages start with its own "scheduler configuration: "; the file replaces it.
      const detail = err.message.replace(/^scheduler configuration: /, '');
      throw new EngineError('INVALID_CONFIG', `scheduler configuration ${file}: ${detail}`);
    }
    throw err;
  }
}

/** How long the `etcd` readiness check waits for the store (kube-apiserver's etcd check: 2 s). */
const STORE_CHECK_TIMEOUT_MS = 2000;

/** The readiness check's verdict on the store: null when it answers in time, else why not. */
async function storeProblem(store: Store): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(
      () => resolve(`the store did not answer within ${STORE_CHECK_TIMEOUT_MS} ms`),
      STORE_CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      store.status().then(
        () => null,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ControlPlaneEvents {
  state: [state: ControlPlaneState, error: EngineError | null];
}

export interface ControlPlane {
  readonly state: ControlPlaneState;
  readonly info: ControlPlaneInfo | null;
  readonly error: EngineError | null;
  readonly events: EventEmitter<ControlPlaneEvents>;
  /** Resolves once running; rejects with an EngineError (and state `failed`) otherwise. */
  start(): Promise<ControlPlaneInfo>;
  /** Idempotent; resolves once everything is closed and the data dir lock released. */
  stop(): Promise<void>;
}

/** Host to put in URLs for a bind address: a wildcard bind is reached on loopback locally. */
export function urlHost(bindAddress: string): string {
  if (bindAddress === '0.0.0.0' || bindAddress === '') return '127.0.0.1';
  if (bindAddress === '::') return '[::1]';
  return bindAddress.includes(':') ? `[${bindAddress}]` : bindAddress;
}

export function createControlPlane(config: ControlPlaneConfig, log: Logger): ControlPlane {
  const dataDir = path.resolve(config.dataDir);
  const paths = dataPaths(dataDir);
  const events = new EventEmitter<ControlPlaneEvents>();
  let state: ControlPlaneState = 'stopped';
  let info: ControlPlaneInfo | null = null;
  let error: EngineError | null = null;
  /** Closers of started components, run in reverse on stop or failed start. */
  let closers: (() => Promise<void>)[] = [];
  let starting: Promise<ControlPlaneInfo> | null = null;
  let stopping: Promise<void> | null = null;

  const setState = (next: ControlPlaneState, err: EngineError | null = null) => {
    state = next;
    error = err;
    log.info({ state: next, ...(err ? { code: err.code, err: err.message } : {}) }, 'engine state');
    events.emit('state', next, err);
  };

  const closeAll = async () => {
    const list = closers.reverse();
    closers = [];
    for (const close of list) {
      try {
        await close();
      } catch (err) {
        log.warn({ err }, 'error while closing a component');
      }
    }
  };

  async function doStart(): Promise<ControlPlaneInfo> {
    setState('starting');
    try {
      await prepareDataDir(dataDir);
      closers.push(await lockDataDir(dataDir));

      const pki = await ensureClusterPki(paths, config);
      log.info({ actions: pki.actions }, 'pki ready');

      const store = await openStore({ ...config.store, dir: paths.store }, log);
      closers.push(() => store.close());
      const etcd = await serveEtcd(store, pki);
      log.info({ backend: config.store.backend, etcd: etcd.etcdUrl }, 'store ready');

      const liveness = new HealthChecks();
      const readiness = new HealthChecks();
      liveness.add({ name: 'ping', check: () => null });
      readiness.add({ name: 'ping', check: () => null });
      // Like kube-apiserver's graceful termination: readiness fails as soon as shutdown begins,
      // so load balancers and the UI stop sending work before listeners close.
      readiness.add({
        name: 'shutdown',
        check: () => (state === 'stopping' ? 'process is shutting down' : null),
      });
      // kube-apiserver's readiness includes its etcd check; ours asks the store for its status.
      readiness.add({ name: 'etcd', check: () => storeProblem(store) });

      const api = createApi({
        store,
        log,
        serviceAccountKey: pki.serviceAccount,
        issuer: SERVICE_ACCOUNT_ISSUER,
        serviceClusterIpRange: config.serviceClusterIpRange,
      });
      closers.push(async () => api.close());
      await api.ready();

      const server: ApiServer = await startApiServer({
        bindAddress: config.bindAddress,
        port: config.securePort,
        certPem: pki.apiserver.certPem,
        keyPem: pki.apiserver.keyPem,
        caPem: pki.ca.certPem,
        liveness,
        readiness,
        log,
        api,
      });
      closers.push(() => server.close());

      const apiUrl = `https://${urlHost(config.bindAddress)}:${server.port}`;
      await writeKubeconfig(paths.kubeconfig, {
        server: apiUrl,
        caPem: pki.ca.certPem,
        clientCertPem: pki.admin.certPem,
        clientKeyPem: pki.admin.keyPem,
      });

      const specs = await componentSpecs();
      if (specs.length > 0) {
        const components = await startComponents({
          apiUrl,
          ca: pki.ca,
          log,
          leaderElect: config.leaderElect,
          timing: config.leaderElection,
          instance: `${os.hostname()}:${server.port}`,
          specs,
        });
        closers.push(() => components.stop());
      }

      info = {
        dataDir,
        apiUrl,
        kubeconfigPath: paths.kubeconfig,
        caCertPath: paths.caCert,
        gitVersion: versionInfo().gitVersion,
        storeBackend: config.store.backend,
        ...etcd,
      };
      setState('running');
      return info;
    } catch (err) {
      const engineErr = toEngineError(err);
      await closeAll();
      info = null;
      setState('failed', engineErr);
      throw engineErr;
    }
  }

  /** The scheduler and controller manager, unless disabled. */
  async function componentSpecs(): Promise<ComponentSpec[]> {
    const specs: ComponentSpec[] = [];
    if (!config.disableScheduler) {
      const schedulerConfig = await readSchedulerConfig(config.schedulerConfigFile);
      specs.push({
        name: 'kube-scheduler',
        user: 'system:kube-scheduler',
        create(client) {
          const informers = new InformerFactory(client, log);
          const scheduler = createScheduler({
            client,
            informers,
            log: log.child({ component: 'scheduler' }),
            config: schedulerConfig,
          });
          return {
            start: () => scheduler.start(),
            async stop() {
              await scheduler.stop();
              await informers.stop();
            },
          };
        },
      });
    }
    if (!config.disableControllerManager) {
      specs.push({
        name: 'kube-controller-manager',
        user: 'system:kube-controller-manager',
        create: (client) =>
          createControllerManager({
            client,
            log: log.child({ component: 'controllers' }),
            controllers: Object.values(ALL_CONTROLLERS),
            options: { ...config.controllers, clusterCidr: config.clusterCidr },
            host: os.hostname(),
          }),
      });
    }
    return specs;
  }

  /**
   * The etcd v3 endpoint for the embedded and memory stores (loopback, mutual TLS, admitting
   * only the etcd client certificate); for the etcd backend, the cluster's own endpoints.
   */
  async function serveEtcd(
    store: Store,
    pki: ClusterPki,
  ): Promise<Pick<ControlPlaneInfo, 'etcdUrl' | 'etcdCaPath' | 'etcdCertPath' | 'etcdKeyPath'>> {
    if (config.store.backend === 'etcd') {
      const etcd = config.store.etcd;
      return {
        etcdUrl: etcd?.endpoints.join(',') ?? '',
        etcdCaPath: etcd?.caFile ?? null,
        etcdCertPath: etcd?.certFile ?? null,
        etcdKeyPath: etcd?.keyFile ?? null,
      };
    }
    const server = await startEtcdServer({
      store,
      host: '127.0.0.1',
      port: config.etcdPort,
      tls: { caPem: pki.ca.certPem, certPem: pki.etcdServer.certPem, keyPem: pki.etcdServer.keyPem },
      allowedClientNames: [ETCD_CLIENT_CN],
      // Stable per cluster: the CA is never replaced.
      identitySeed: createHash('sha256').update(pki.ca.certPem).digest('hex'),
      memberName: os.hostname(),
      log,
    });
    closers.push(() => server.close());
    return {
      etcdUrl: server.url,
      etcdCaPath: paths.caCert,
      etcdCertPath: paths.etcdClientCert,
      etcdKeyPath: paths.etcdClientKey,
    };
  }

  async function doStop(): Promise<void> {
    if (starting) await starting.catch(() => undefined);
    if (state !== 'running') return;
    setState('stopping');
    await closeAll();
    info = null;
    setState('stopped');
  }

  return {
    get state() {
      return state;
    },
    get info() {
      return info;
    },
    get error() {
      return error;
    },
    events,
    start() {
      if (state === 'running' && info) return Promise.resolve(info);
      if (starting) return starting;
      starting = (async () => {
        if (stopping) await stopping;
        return doStart();
      })().finally(() => {
        starting = null;
      });
      return starting;
    },
    stop() {
      if (stopping) return stopping;
      stopping = doStop().finally(() => {
        stopping = null;
      });
      return stopping;
    },
  };
}
