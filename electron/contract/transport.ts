/**
 * Wire frames of the WebSocket transport (headless mode). Electron IPC carries the same requests,
 * envelopes and events through ipcRenderer.invoke / webContents.send instead.
 */
import type { Envelope } from './envelope';

export type ClientFrame = { t: 'req'; id: number; channel: string; args: unknown };

export type ServerFrame =
  { t: 'res'; id: number; envelope: Envelope<unknown> } | { t: 'evt'; channel: string; payload: unknown };

/** Path of the WebSocket endpoint on the headless UI server. */
export const WS_PATH = '/ws';
