/**
 * Real kubectl against the auth layer: a minimal HTTPS front on 127.0.0.1 that authenticates,
 * authorizes and serves SelfSubjectReview and TokenRequest with this module's functions — the
 * routes `kubectl auth whoami` and `kubectl create token` use. It stands in for the API server,
 * which mounts the same functions; everything kubectl sees (status codes, Status bodies, tokens)
 * comes from the code under test.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../errors';
import { createCertificateAuthority, issueCertificate } from '../../../pki/certs';
import { generateServiceAccountKey } from '../../../pki/service-account';
import { decodeKubernetesProtobuf } from '../../protobuf';
import { failureStatus } from '../../status';
import { createAuthenticator } from '../authenticator';
import { authorize, forbiddenError } from '../authorizer';
import { selfSubjectReview } from '../reviews';
import { makeCache, serviceAccount } from '../test-fixtures';
import { bootstrapTokenSecret, issueServiceAccountToken, newBootstrapToken } from '../tokens';
import { AuthError } from '../user';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SA_KEY = generateServiceAccountKey();
const cache = makeCache().put('ServiceAccount', serviceAccount('default', 'robot', 'sa-uid'));
const bootstrap = newBootstrapToken();
cache.put('Secret', bootstrapTokenSecret(bootstrap.id, bootstrap.secret, 600));
const deps = { ...cache, serviceAccountKey: SA_KEY, issuer: ISSUER };
const authenticator = createAuthenticator(deps);

let server: https.Server;
let dir: string;
let base: string[];

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const user = authenticator.authenticate(req);
  if (user === null || user instanceof AuthError) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  // kubectl ≥ 1.32 posts these kinds as protobuf; the API server's decoder turns them into JSON.
  const raw = Buffer.concat(chunks);
  const body: unknown = req.headers['content-type']?.startsWith('application/vnd.kubernetes.protobuf')
    ? decodeKubernetesProtobuf(raw)
    : JSON.parse(raw.toString() || '{}');
  const url = new URL(req.url ?? '/', 'https://x');
  const token = /^\/api\/v1\/namespaces\/([^/]+)\/serviceaccounts\/([^/]+)\/token$/.exec(url.pathname);
  if (req.method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/selfsubjectreviews') {
    return send(res, 201, selfSubjectReview(user, body));
  }
  if (req.method === 'POST' && token) {
    const [, namespace = '', name = ''] = token;
    const attrs = {
      user,
      verb: 'create',
      apiGroup: '',
      resource: 'serviceaccounts',
      subresource: 'token',
      namespace,
      name,
      resourceRequest: true,
      path: url.pathname,
    };
    const decision = authorize(attrs, cache.authorizerLookup);
    if (!decision.allowed) throw forbiddenError(attrs, decision.reason);
    return send(res, 201, await issueServiceAccountToken(deps, namespace, name, body));
  }
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function send(res: ServerResponse, code: number, body: unknown) {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function kubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      [...base, '--request-timeout=10s', ...args],
      { timeout: 20_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-auth-kubectl-'));
  const ca = await createCertificateAuthority('test-ca');
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    subjectAltNames: ['127.0.0.1'],
    validityDays: 1,
  });
  const admin = await issueCertificate(ca, {
    commonName: 'pilothouse-admin',
    organizations: ['system:masters'],
    usages: ['clientAuth'],
    validityDays: 1,
  });
  await fs.writeFile(path.join(dir, 'ca.crt'), ca.certPem);
  // An empty kubeconfig, so the user's own (~/.kube/config) cannot leak into the test.
  await fs.writeFile(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
  await fs.writeFile(path.join(dir, 'admin.crt'), admin.certPem);
  await fs.writeFile(path.join(dir, 'admin.key'), admin.keyPem, { mode: 0o600 });
  server = https.createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        const status =
          err instanceof ApiError
            ? err.status()
            : failureStatus(500, 'InternalError', (err as Error).message);
        send(res, status.code, status);
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = [
    `--kubeconfig=${path.join(dir, 'kubeconfig')}`,
    `--server=https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    `--certificate-authority=${path.join(dir, 'ca.crt')}`,
  ];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await fs.rm(dir, { recursive: true, force: true });
});

const asAdmin = () => [
  `--client-certificate=${path.join(dir, 'admin.crt')}`,
  `--client-key=${path.join(dir, 'admin.key')}`,
];

describe('kubectl against the auth layer', () => {
  it('kubectl auth whoami with the admin certificate', async () => {
    const r = await kubectl([...asAdmin(), 'auth', 'whoami', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({
      kind: 'SelfSubjectReview',
      status: {
        userInfo: { username: 'pilothouse-admin', groups: ['system:masters', 'system:authenticated'] },
      },
    });
  });

  it('kubectl auth whoami with a bootstrap token', async () => {
    const r = await kubectl([`--token=${bootstrap.token}`, 'auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: { userInfo: { username: `system:bootstrap:${bootstrap.id}` } },
    });
  });

  it('kubectl create token, then acts with that token', async () => {
    const created = await kubectl([
      ...asAdmin(),
      'create',
      'token',
      'robot',
      '-n',
      'default',
      '--duration=15m',
    ]);
    expect(created.stderr).toBe('');
    const token = created.stdout.trim();
    const r = await kubectl([`--token=${token}`, 'auth', 'whoami', '-o', 'json']);
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: {
        userInfo: {
          username: 'system:serviceaccount:default:robot',
          uid: 'sa-uid',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        },
      },
    });
  });

  it('kubectl create token refuses a lifetime under 10 minutes with Kubernetes’ message', async () => {
    const r = await kubectl([...asAdmin(), 'create', 'token', 'robot', '--duration=5m']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes',
    );
  });

  it('kubectl reports a bad token as Unauthorized', async () => {
    const r = await kubectl(['--token=hunter2', 'auth', 'whoami']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Unauthorized');
  });

  it('kubectl prints the 403 message for a token request a bootstrap token may not make', async () => {
    const r = await kubectl([`--token=${bootstrap.token}`, 'create', 'token', 'robot']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      `serviceaccounts "robot" is forbidden: User "system:bootstrap:${bootstrap.id}" cannot create resource "serviceaccounts/token" in API group "" in the namespace "default"`,
    );
  });
});
