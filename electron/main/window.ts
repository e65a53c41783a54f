import path from 'node:path';
import { BrowserWindow, shell } from 'electron';

export interface RendererLocation {
  /** Dev server URL under `electron-vite dev`, else null. */
  devUrl: string | null;
  indexHtml: string;
}

/** Only our own renderer may call the backend or be navigated to. */
export function isTrustedUrl(loc: RendererLocation, url: string): boolean {
  if (loc.devUrl) return url.startsWith(loc.devUrl);
  return url.startsWith('file://') && decodeURIComponent(new URL(url).pathname) === loc.indexHtml;
}

export function createMainWindow(loc: RendererLocation, preload: string, icon: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 900,
    minHeight: 600,
    show: false,
    title: 'Pilothouse',
    icon,
    webPreferences: {
      preload,
      // The renderer must never reach Node: it would reach SSH keys and the cluster CA.
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  // External links open in the user's browser; the app window never navigates away.
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedUrl(loc, url)) event.preventDefault();
  });
  if (loc.devUrl) void win.loadURL(loc.devUrl);
  else void win.loadFile(path.resolve(loc.indexHtml));
  return win;
}
