/**
 * The preload: one small, frozen `window.pilothouse` built from the contract. It exposes no
 * ipcRenderer, only allow-listed channels, and imports nothing from main.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  EVENT_CHANNELS,
  REQUEST_CHANNELS,
  type Envelope,
  type EventChannel,
  type PilothouseBridge,
} from '../contract';

const requestChannels = new Set<string>(REQUEST_CHANNELS);
const eventChannels = new Set<string>(EVENT_CHANNELS);

const bridge: PilothouseBridge = {
  transport: 'ipc',
  invoke(channel, args) {
    if (!requestChannels.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'UNKNOWN_CHANNEL', message: `unknown channel ${String(channel)}` },
      } as Envelope<never>);
    }
    return ipcRenderer.invoke(channel, args) as Promise<Envelope<never>>;
  },
  on(channel: EventChannel, listener) {
    if (!eventChannels.has(channel)) throw new Error(`unknown event channel ${String(channel)}`);
    const wrapped = (_event: IpcRendererEvent, payload: unknown) =>
      (listener as (p: unknown) => void)(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('pilothouse', Object.freeze(bridge));
