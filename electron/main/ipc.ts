/**
 * The Electron IPC transport of the UI contract: each request channel is an ipcMain.handle that
 * forwards to the handler registry; every backend event is sent to every window. Calls from any
 * frame other than our own renderer are refused.
 */
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { REQUEST_CHANNELS, type Envelope } from '../contract';
import type { HandlerRegistry } from '../backend/registry';

export function registerIpc(registry: HandlerRegistry, isTrustedUrl: (url: string) => boolean): () => void {
  for (const channel of REQUEST_CHANNELS) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, args: unknown): Promise<Envelope<unknown>> => {
      const url = event.senderFrame?.url ?? '';
      if (!isTrustedUrl(url)) {
        return Promise.resolve({
          ok: false,
          error: { code: 'UNAUTHENTICATED', message: `calls from ${url || 'an unknown frame'} are refused` },
        });
      }
      return registry.invoke(channel, args, { transport: 'ipc', client: `window-${event.sender.id}` });
    });
  }
  const unsubscribe = registry.onEvent((channel, payload) => {
    for (const win of BrowserWindow.getAllWindows()) {
      if (!win.isDestroyed()) win.webContents.send(channel, payload);
    }
  });
  return () => {
    unsubscribe();
    for (const channel of REQUEST_CHANNELS) ipcMain.removeHandler(channel);
  };
}
