/**
 * The WebSocket transport of the UI contract (headless mode): request frames go to the handler
 * registry, envelopes come back with the request's id, and every backend event is pushed to
 * every connected client. Malformed frames get an INVALID_ARGUMENT answer when they carry an id
 * and are logged otherwise; nothing a client sends can throw here.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { ServerFrame } from '../contract';
import type { HandlerRegistry } from '../backend/registry';
import type { Logger } from '../engine/log';

const MAX_FRAME_BYTES = 1024 * 1024;
const PING_INTERVAL_MS = 30_000;

const clientFrame = z.object({
  t: z.literal('req'),
  id: z.number().int().nonnegative(),
  channel: z.string().max(200),
  args: z.unknown().optional(),
});

export interface WsTransport {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  readonly clientCount: number;
  close(): Promise<void>;
}

export function createWsTransport(registry: HandlerRegistry, log: Logger): WsTransport {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  let nextClient = 1;
  const alive = new WeakMap<WebSocket, boolean>();

  const send = (ws: WebSocket, frame: ServerFrame) => {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  };

  wss.on('connection', (ws) => {
    const client = `ws-${nextClient++}`;
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
    ws.on('error', (err) => log.debug({ client, err: err.message }, 'websocket error'));
    ws.on('message', (data, isBinary) => {
      let raw: unknown;
      try {
        raw = isBinary ? undefined : JSON.parse(String(data));
      } catch {
        raw = undefined;
      }
      const frame = clientFrame.safeParse(raw);
      if (!frame.success) {
        const id = (raw as { id?: unknown } | undefined)?.id;
        log.warn({ client }, 'malformed frame from UI client');
        if (typeof id === 'number') {
          send(ws, {
            t: 'res',
            id,
            envelope: { ok: false, error: { code: 'INVALID_ARGUMENT', message: 'malformed request frame' } },
          });
        }
        return;
      }
      const { id, channel, args } = frame.data;
      void registry
        .invoke(channel, args, { transport: 'ws', client })
        .then((envelope) => send(ws, { t: 'res', id, envelope }));
    });
  });

  const unsubscribe = registry.onEvent((channel, payload) => {
    const text = JSON.stringify({ t: 'evt', channel, payload } satisfies ServerFrame);
    for (const ws of wss.clients) if (ws.readyState === WebSocket.OPEN) ws.send(text);
  });

  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.get(ws)) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, PING_INTERVAL_MS);
  pinger.unref();

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    get clientCount() {
      return wss.clients.size;
    },
    close() {
      clearInterval(pinger);
      unsubscribe();
      for (const ws of wss.clients) ws.close(1001, 'server shutting down');
      return new Promise<void>((resolve) => {
        // Clients that do not answer the close handshake promptly are cut off.
        const timer = setTimeout(() => {
          for (const ws of wss.clients) ws.terminate();
        }, 500);
        wss.close(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
