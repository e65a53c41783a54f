/**
 * The UI⇄backend contract: every request, response and event the renderer uses, by domain.
 * Types and channel-name lists only — no runtime code and no Node or Electron imports, so main,
 * preload, the WebSocket server and the renderer can all import it.
 */
import type { ClusterEvents, ClusterRequests } from './cluster';
import type { Envelope } from './envelope';

export type * from './cluster';
export type * from './envelope';
export * from './transport';

/** request channel → { args, result } */
export type Requests = ClusterRequests;
/** event channel → payload */
export type Events = ClusterEvents;

export type RequestChannel = keyof Requests;
export type EventChannel = keyof Events;
export type ArgsOf<C extends RequestChannel> = Requests[C]['args'];
export type ResultOf<C extends RequestChannel> = Requests[C]['result'];

/** Every request channel, for allow-listing in the preload and the transports. */
export const REQUEST_CHANNELS = [
  'cluster:status',
  'cluster:start',
  'cluster:stop',
] as const satisfies readonly RequestChannel[];
/** Every event channel. */
export const EVENT_CHANNELS = ['cluster:events'] as const satisfies readonly EventChannel[];

/**
 * What the preload exposes as `window.pilothouse` in the desktop app. The renderer's API client
 * wraps it (or the WebSocket) and never calls it directly elsewhere.
 */
export interface PilothouseBridge {
  readonly transport: 'ipc';
  invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<Envelope<ResultOf<C>>>;
  /** Subscribe to an event channel; returns the unsubscribe function. */
  on<E extends EventChannel>(channel: E, listener: (payload: Events[E]) => void): () => void;
}
