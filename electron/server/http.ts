/**
 * The headless UI's HTTP listener (loopback only): login endpoints, the WebSocket upgrade, and
 * the built renderer as static files (sirv, with index.html for client-side routes).
 *
 *   GET  /?token=…        open a session and redirect to the same path without the token
 *   POST /auth/login      {"token": "…"} → 204 + session cookie, or 401
 *   GET  /auth/session    200 when the cookie is a live session, else 401
 *   POST /auth/logout     ends the session
 *   GET  /ws              WebSocket transport (session required)
 */
import fs from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import sirv from 'sirv';
import { WS_PATH } from '../contract';
import type { Logger } from '../engine/log';
import { EngineError } from '../engine/errors';
import { listenOrExplain } from '../engine/listen';
import type { UiAuth } from './auth';
import type { WsTransport } from './ws-transport';

const MAX_BODY_BYTES = 4096;

const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

export interface UiServerOptions {
  host: string;
  port: number;
  rendererDir: string;
  auth: UiAuth;
  log: Logger;
}

export interface UiServer {
  readonly port: number;
  /** Routes the WebSocket upgrade to the transport, once the backend exists. */
  attachTransport(ws: WsTransport): void;
  close(): Promise<void>;
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const index = path.join(opts.rendererDir, 'index.html');
  if (!fs.existsSync(index)) {
    throw new EngineError('INTERNAL', `the UI is not built (${index} is missing); run npm run build`);
  }
  const statics = sirv(opts.rendererDir, { single: true, dev: false, etag: true, gzip: false });
  const { auth } = opts;
  let transport: WsTransport | null = null;

  const server = http.createServer((req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!auth.hostAllowed(req)) return sendJson(res, 421, { error: 'unexpected Host header' });
    route(req, res).catch((err: unknown) => {
      opts.log.error({ err }, 'UI request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://ui');
    if (req.method === 'GET' && url.searchParams.has('token')) {
      const ok = auth.tokenMatches(url.searchParams.get('token'));
      url.searchParams.delete('token');
      const target = `${url.pathname}${url.search}`;
      if (!ok) return redirect(res, '/#/login?error=invalid-token');
      res.setHeader('set-cookie', auth.openSession());
      return redirect(res, target);
    }
    if (url.pathname.startsWith('/auth/')) return authRoute(req, res, url.pathname);
    statics(req, res, () => sendJson(res, 404, { error: 'not found' }));
  }

  async function authRoute(req: IncomingMessage, res: ServerResponse, pathname: string) {
    res.setHeader('cache-control', 'no-store');
    if (pathname === '/auth/session' && req.method === 'GET') {
      return auth.authenticated(req)
        ? sendJson(res, 200, { authenticated: true })
        : sendJson(res, 401, { authenticated: false });
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'method not allowed' });
    if (!auth.originAllowed(req)) return sendJson(res, 403, { error: 'cross-origin request refused' });
    if (pathname === '/auth/logout') {
      res.setHeader('set-cookie', auth.closeSession(req));
      res.writeHead(204).end();
      return;
    }
    if (pathname !== '/auth/login') return sendJson(res, 404, { error: 'not found' });
    let text: string;
    try {
      text = await readBody(req);
    } catch (err) {
      // Answer, then drop the connection instead of reading the rest of an oversized body.
      res.setHeader('connection', 'close');
      sendJson(res, 413, { error: (err as Error).message });
      res.on('finish', () => req.destroy());
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return sendJson(res, 400, { error: 'body is not JSON' });
    }
    if (!auth.tokenMatches((body as { token?: unknown } | null)?.token)) {
      return sendJson(res, 401, { error: 'wrong token: use the one `pilothouse server` printed at start' });
    }
    res.setHeader('set-cookie', auth.openSession());
    res.writeHead(204).end();
  }

  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://ui');
    const refuse = (code: number, text: string) => {
      socket.end(`HTTP/1.1 ${code} ${text}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    };
    if (url.pathname !== WS_PATH || !transport) return refuse(404, 'Not Found');
    if (!auth.hostAllowed(req) || !auth.originAllowed(req)) return refuse(403, 'Forbidden');
    if (!auth.authenticated(req)) return refuse(401, 'Unauthorized');
    transport.handleUpgrade(req, socket, head);
  });

  await listenOrExplain(server, { host: opts.host, port: opts.port, what: 'UI', flag: '--ui-port' });
  const port = (server.address() as AddressInfo).port;
  auth.setListenPort(port);

  return {
    port,
    attachTransport(ws) {
      transport = ws;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.pause();
        reject(new Error(`body larger than ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function redirect(res: ServerResponse, location: string) {
  res.writeHead(303, { location, 'cache-control': 'no-store' }).end();
}

function sendJson(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
