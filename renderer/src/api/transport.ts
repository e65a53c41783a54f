import type { Envelope } from '../../../electron/contract';

/** How the renderer reaches the backend: Electron IPC or the headless server's WebSocket. */
export interface Transport {
  readonly kind: 'ipc' | 'ws';
  invoke(channel: string, args: unknown): Promise<Envelope<unknown>>;
  on(channel: string, listener: (payload: unknown) => void): () => void;
  /** Whether requests can be sent now; IPC always can. */
  readonly connected: boolean;
  /** Called with true/false as the link comes up or drops. */
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}
