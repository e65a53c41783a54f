import type { EventChannel, PilothouseBridge, RequestChannel } from '../../../electron/contract';
import type { Transport } from './transport';

/** The desktop transport: a thin adapter over the preload's `window.pilothouse`. */
export function ipcTransport(bridge: PilothouseBridge): Transport {
  return {
    kind: 'ipc',
    connected: true,
    invoke: (channel, args) => bridge.invoke(channel as RequestChannel, args as never),
    on: (channel, listener) => bridge.on(channel as EventChannel, listener),
    onConnectionChange: () => () => undefined,
  };
}
