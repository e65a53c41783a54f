/**
 * Electron main process: app lifecycle, the window, menu and tray, and the IPC bridge. The
 * control plane runs in a utility process (engine/host.ts); the backend services run here as its
 * client. Closing the window keeps the cluster running in the tray; Quit stops it cleanly.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, type Tray } from 'electron';
import { createBackend } from '../backend';
import { createEngineClient } from '../engine/client';
import { withDefaults } from '../engine/config';
import { createLogger } from '../engine/log';
import { spawnUtilityEngine } from './engine-process';
import { registerIpc } from './ipc';
import { createTray, refreshMenus, type ShellActions } from './menu';
import { createMainWindow, isTrustedUrl, type RendererLocation } from './window';

const here = path.dirname(fileURLToPath(import.meta.url));
const log = createLogger('main', process.env.PILOTHOUSE_LOG_LEVEL === 'debug' ? 'debug' : 'info');

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the cluster; it shows its window (second-instance below).
  app.quit();
} else {
  void run();
}

async function run() {
  await app.whenReady();
  const resources = app.isPackaged ? process.resourcesPath : path.resolve(here, '../../resources');
  const icon = path.join(resources, 'icons', 'icon.png');
  const trayIcon = path.join(resources, 'icons', 'tray.png');
  const loc: RendererLocation = {
    devUrl: process.env.ELECTRON_RENDERER_URL ?? null,
    indexHtml: path.resolve(here, '../renderer/index.html'),
  };
  const dataDir = process.env.PILOTHOUSE_DATA_DIR ?? path.join(os.homedir(), '.pilothouse');
  const engine = createEngineClient(
    () => spawnUtilityEngine(path.join(here, 'engine.js')),
    withDefaults({ dataDir }),
    'info',
  );
  const backend = createBackend({ engine, dataDir, log });
  const unregisterIpc = registerIpc(backend.registry, (url) => isTrustedUrl(loc, url));

  let win: BrowserWindow | null = null;
  let tray: Tray | null = null;
  let quitting = false;

  const actions: ShellActions = {
    open() {
      if (!win || win.isDestroyed()) {
        win = createMainWindow(loc, path.join(here, '../preload/index.cjs'), icon);
        win.on('closed', () => (win = null));
      } else {
        if (win.isMinimized()) win.restore();
        win.show();
        win.focus();
      }
    },
    clusterRunning: () => engine.state === 'running' || engine.state === 'starting',
    toggleCluster() {
      const op = actions.clusterRunning() ? engine.stop() : engine.start();
      op.catch((err: unknown) => log.error({ err }, 'cluster start/stop failed'));
    },
    quit() {
      app.quit();
    },
  };

  engine.events.on('state', () => refreshMenus(tray, actions));
  app.on('second-instance', () => actions.open());
  app.on('activate', () => actions.open());
  // Keep running in the tray when the last window closes; Quit ends the app.
  app.on('window-all-closed', () => {
    if (!tray) app.quit();
  });
  app.on('before-quit', (event) => {
    if (quitting) return;
    event.preventDefault();
    quitting = true;
    unregisterIpc();
    backend.close();
    void engine.dispose(5000).finally(() => app.exit(0));
  });

  try {
    tray = createTray(trayIcon, actions);
  } catch (err) {
    // Some desktops have no tray; the window and menu still offer every action.
    log.warn({ err }, 'no system tray');
  }
  refreshMenus(tray, actions);
  actions.open();
  engine.start().catch((err: unknown) => log.error({ err }, 'the cluster did not start'));
}
