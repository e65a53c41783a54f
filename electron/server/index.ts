/**
 * Headless mode (`pilothouse server`): the engine in its own process, the backend in this one,
 * and the built renderer served over loopback HTTP with the WebSocket transport — the same UI
 * the desktop app shows, in any browser.
 */
import { fork } from 'node:child_process';
import path from 'node:path';
import { createBackend, type Backend } from '../backend';
import type { ControlPlaneConfig } from '../engine/config';
import type { ControlPlaneInfo } from '../engine/control-plane';
import { createEngineClient, type EngineClient, type HostChannel } from '../engine/client';
import { prepareDataDir } from '../engine/data-dir';
import type { HostCommand, HostMessage } from '../engine/host-protocol';
import type { Logger, LogLevel } from '../engine/log';
import { UiAuth } from './auth';
import { startUiServer, type UiServer } from './http';
import { createWsTransport, type WsTransport } from './ws-transport';

export interface HeadlessOptions {
  engine: ControlPlaneConfig;
  uiHost: string;
  uiPort: number;
  /** Built renderer (index.html and assets). */
  rendererDir: string;
  /** Built engine host entry (engine/host.ts compiled). */
  engineEntry: string;
  logLevel: LogLevel;
  log: Logger;
}

export interface HeadlessServer {
  info: ControlPlaneInfo;
  uiUrl: string;
  /** The UI URL with the login token; printed once, never logged. */
  loginUrl: string;
  engine: EngineClient;
  /** Graceful stop of everything; idempotent. */
  stop(): Promise<void>;
}

/** Start the engine host with Node's child_process, speaking host-protocol.ts over IPC. */
export function forkEngineHost(entry: string): HostChannel {
  const child = fork(entry, [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
    // Diagnostics: PILOTHOUSE_ENGINE_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the
    // engine alone (Node refuses --cpu-prof in NODE_OPTIONS).
    execArgv: (process.env.PILOTHOUSE_ENGINE_NODE_OPTIONS ?? '').split(' ').filter(Boolean),
  });
  return {
    send: (cmd: HostCommand) => {
      if (child.connected) child.send(cmd);
    },
    onMessage: (h) => child.on('message', (m) => h(m as HostMessage)),
    onExit: (h) => child.once('exit', (code) => h(code)),
    kill: (how) => {
      child.kill(how === 'force' ? 'SIGKILL' : 'SIGTERM');
    },
  };
}

export async function startHeadless(opts: HeadlessOptions): Promise<HeadlessServer> {
  const { log } = opts;
  await prepareDataDir(opts.engine.dataDir);
  const auth = new UiAuth();
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err }, 'error during shutdown');
      }
    }
  };

  try {
    const ui: UiServer = await startUiServer({
      host: opts.uiHost,
      port: opts.uiPort,
      rendererDir: opts.rendererDir,
      auth,
      log,
    });
    cleanups.push(() => ui.close());

    const engine = createEngineClient(
      () => forkEngineHost(path.resolve(opts.engineEntry)),
      opts.engine,
      opts.logLevel,
    );
    cleanups.push(() => engine.dispose(1500));

    const backend: Backend = createBackend({ engine, dataDir: path.resolve(opts.engine.dataDir), log });
    cleanups.push(() => backend.close());
    const ws: WsTransport = createWsTransport(backend.registry, log);
    cleanups.push(() => ws.close());
    ui.attachTransport(ws);

    const info = await engine.start();
    await backend.clusterStatus.refresh();
    const uiUrl = `http://${opts.uiHost}:${ui.port}/`;
    let stopping: Promise<void> | null = null;
    return {
      info,
      uiUrl,
      loginUrl: `${uiUrl}?token=${auth.token}`,
      engine,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
