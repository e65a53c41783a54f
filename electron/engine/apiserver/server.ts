/**
 * The API server's HTTPS front: TLS with the cluster's serving pair, client certificates
 * verified against the cluster CA, and the unauthenticated endpoints Kubernetes leaves open
 * (/livez, /readyz, /healthz, /version). Every other path requires credentials; the Kubernetes
 * resource API is mounted here by the API server proper.
 *
 * Everything else goes through authentication (client certificate, then bearer token) to the
 * Kubernetes API (api.ts).
 */
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { listenOrExplain } from '../listen';
import type { Logger } from '../log';
import { versionInfo } from '../version';
import type { Api } from './api';
import { AuthError } from './auth/user';
import { authenticateClientCertificate } from './auth/x509';
import type { HealthChecks, HealthReport } from './healthz';
import { failureStatus, type StatusBody } from './status';

export interface ApiServerOptions {
  bindAddress: string;
  port: number;
  certPem: string;
  keyPem: string;
  caPem: string;
  liveness: HealthChecks;
  readiness: HealthChecks;
  log: Logger;
  /** The Kubernetes API; without it authenticated requests get 404 (tests of the TLS front). */
  api?: Api;
}

export interface ApiServer {
  /** The port actually bound (differs from the option when it was 0). */
  readonly port: number;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const server = https.createServer(
    {
      cert: opts.certPem,
      key: opts.keyPem,
      ca: opts.caPem,
      // Ask for a client certificate but let requests without one through, so the health and
      // version endpoints stay open; authenticate() then decides per request.
      requestCert: true,
      rejectUnauthorized: false,
      minVersion: 'TLSv1.2',
    },
    (req, res) => {
      handle(req, res, opts).catch((err: unknown) => {
        if (!res.headersSent) {
          sendStatus(res, failureStatus(500, 'InternalError', (err as Error).message));
        } else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = 65_000;
  await listenOrExplain(server, {
    host: opts.bindAddress,
    port: opts.port,
    what: 'API',
    flag: '--secure-port',
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-lived connections (watches, kept-alive clients) must not hold shutdown open.
        server.closeAllConnections();
      }),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: ApiServerOptions) {
  const url = new URL(req.url ?? '/', 'https://apiserver');
  switch (url.pathname) {
    case '/livez':
    case '/healthz':
      return sendHealth(res, opts.log, await opts.liveness.report(url.pathname.slice(1), url.searchParams));
    case '/readyz':
      return sendHealth(res, opts.log, await opts.readiness.report('readyz', url.searchParams));
    case '/version':
      return sendJson(res, 200, versionInfo());
  }
  if (!opts.api) {
    const who = authenticateClientCertificate(req.socket as TLSSocket);
    if (!who || who instanceof AuthError)
      return sendStatus(res, failureStatus(401, 'Unauthorized', 'Unauthorized'));
    return sendStatus(
      res,
      failureStatus(404, 'NotFound', `the server could not find the requested resource`),
    );
  }
  const user = opts.api.authenticate(req);
  if (!user || user instanceof AuthError) {
    if (user) opts.log.debug({ reason: user.message, path: url.pathname }, 'authentication failed');
    opts.api.badRequests.record(req.socket.remoteAddress ?? 'unknown', 401);
    return sendStatus(res, failureStatus(401, 'Unauthorized', 'Unauthorized'));
  }
  return opts.api.handle(req, res, url, user);
}

function sendHealth(res: ServerResponse, log: Logger, report: HealthReport) {
  if (!report.healthy) log.warn({ failures: report.failures }, 'health check failed');
  res.writeHead(report.healthy ? 200 : 500, {
    'content-type': 'text/plain; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-cache, private',
  });
  res.end(report.body);
}

function sendStatus(res: ServerResponse, status: StatusBody) {
  sendJson(res, status.code, status);
}

function sendJson(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, {
    'content-type': 'application/json',
    'cache-control': 'no-cache, private',
  });
  res.end(JSON.stringify(body));
}
