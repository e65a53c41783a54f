/**
 * The headless transport: one WebSocket to the server's /ws, request/response matched by id,
 * events pushed by the server. Reconnects with capped exponential back-off; requests in flight
 * when the socket drops fail with DISCONNECTED; requests made while down fail at once rather than
 * queueing (callers retry on reconnect, which the stores do).
 */
import { WS_PATH, type ClientFrame, type Envelope, type ServerFrame } from '../../../electron/contract';
import type { Transport } from './transport';

const REQUEST_TIMEOUT_MS = 30_000;

interface Pending {
  resolve: (e: Envelope<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function wsTransport(url = defaultUrl()): Transport & { close(): void } {
  let socket: WebSocket | null = null;
  let connected = false;
  let closed = false;
  let attempt = 0;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const connectionListeners = new Set<(up: boolean) => void>();

  const setConnected = (up: boolean) => {
    if (connected === up) return;
    connected = up;
    for (const l of connectionListeners) l(up);
  };

  const failPending = (message: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.resolve({ ok: false, error: { code: 'DISCONNECTED', message } });
      pending.delete(id);
    }
  };

  const connect = () => {
    if (closed) return;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      setConnected(true);
    };
    ws.onmessage = (ev: MessageEvent<string>) => {
      let frame: ServerFrame;
      try {
        frame = JSON.parse(ev.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame.t === 'res') {
        const p = pending.get(frame.id);
        if (!p) return;
        pending.delete(frame.id);
        clearTimeout(p.timer);
        p.resolve(frame.envelope);
      } else if (frame.t === 'evt') {
        for (const l of listeners.get(frame.channel) ?? []) l(frame.payload);
      }
    };
    ws.onclose = () => {
      if (socket === ws) socket = null;
      setConnected(false);
      failPending('the connection to Pilothouse dropped');
      if (closed) return;
      const delay = Math.min(10_000, 500 * 2 ** attempt);
      attempt += 1;
      setTimeout(connect, delay);
    };
  };
  connect();

  return {
    kind: 'ws',
    get connected() {
      return connected;
    },
    invoke(channel, args) {
      const ws = socket;
      if (!ws || !connected) {
        return Promise.resolve({
          ok: false,
          error: { code: 'DISCONNECTED', message: 'not connected to Pilothouse' },
        });
      }
      const id = nextId++;
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          resolve({ ok: false, error: { code: 'UNAVAILABLE', message: `${channel} timed out` } });
        }, REQUEST_TIMEOUT_MS);
        pending.set(id, { resolve, timer });
        ws.send(JSON.stringify({ t: 'req', id, channel, args } satisfies ClientFrame));
      });
    },
    on(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}

function defaultUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${WS_PATH}`;
}
