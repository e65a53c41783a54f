/**
 * Composition root of the control plane: data dir, PKI, API server — and, as they land, the
 * store, scheduler and controllers, each started in dependency order and stopped in reverse.
 * Plain Node: no Electron import, so the same code runs in Electron's utility process and in
 * `pilothouse server`.
 */
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { type ControlPlaneConfig, dataPaths } from './config';
import { lockDataDir, prepareDataDir } from './data-dir';
import { type EngineError, toEngineError } from './errors';
import type { Logger } from './log';
import { HealthChecks } from './apiserver/healthz';
import { type ApiServer, startApiServer } from './apiserver/server';
import { ensureClusterPki } from './pki';
import { writeKubeconfig } from './pki/kubeconfig';
import { versionInfo } from './version';

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

      const api: ApiServer = await startApiServer({
        bindAddress: config.bindAddress,
        port: config.securePort,
        certPem: pki.apiserver.certPem,
        keyPem: pki.apiserver.keyPem,
        caPem: pki.ca.certPem,
        liveness,
        readiness,
        log,
      });
      closers.push(() => api.close());

      const apiUrl = `https://${urlHost(config.bindAddress)}:${api.port}`;
      await writeKubeconfig(paths.kubeconfig, {
        server: apiUrl,
        caPem: pki.ca.certPem,
        clientCertPem: pki.admin.certPem,
        clientKeyPem: pki.admin.keyPem,
      });

      info = {
        dataDir,
        apiUrl,
        kubeconfigPath: paths.kubeconfig,
        caCertPath: paths.caCert,
        gitVersion: versionInfo().gitVersion,
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
