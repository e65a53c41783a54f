/**
 * Test support: a tiny HTTPS API front on 127.0.0.1 that serves just enough discovery for
 * `kubectl create …` and `kubectl auth whoami|can-i`, records every request body kubectl sends,
 * and answers writes with the object decoded by decodeKubernetesProtobuf (so kubectl also has to
 * accept what the decoder produced). Not the API server: it exists to capture real kubectl bodies.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../pki/certs';
import { ApiError } from '../errors';
import { decodeKubernetesProtobuf } from './decode';

/** One request kubectl made with a body. */
export interface CapturedRequest {
  method: string;
  path: string;
  contentType: string;
  body: Buffer;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlHarness {
  /** Runs kubectl against the front (bounded by a timeout) and returns what it printed. */
  run(args: string[]): Promise<KubectlResult>;
  /** Requests with a body since the last call, oldest first. */
  take(): CapturedRequest[];
  close(): Promise<void>;
}

type Resource = [name: string, kind: string, namespaced: boolean, verbs?: string[]];

const CRUD = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

/** The groups and resources the commands under test need to resolve. */
const GROUPS: Record<string, Resource[]> = {
  v1: [
    ['namespaces', 'Namespace', false],
    ['configmaps', 'ConfigMap', true],
    ['secrets', 'Secret', true],
    ['serviceaccounts', 'ServiceAccount', true],
    ['serviceaccounts/token', 'TokenRequest', true, ['create']],
    ['services', 'Service', true],
    ['pods', 'Pod', true],
    ['pods/eviction', 'Eviction', true, ['create']],
  ],
  'apps/v1': [['deployments', 'Deployment', true]],
  'batch/v1': [
    ['jobs', 'Job', true],
    ['cronjobs', 'CronJob', true],
  ],
  'authentication.k8s.io/v1': [['selfsubjectreviews', 'SelfSubjectReview', false, ['create']]],
  'authorization.k8s.io/v1': [['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create']]],
  'policy/v1': [['poddisruptionbudgets', 'PodDisruptionBudget', true]],
};

function resourceList(groupVersion: string, resources: Resource[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: resources.map(([name, kind, namespaced, verbs]) => ({
      name,
      singularName: name.includes('/') ? '' : kind.toLowerCase(),
      namespaced,
      kind,
      verbs: verbs ?? CRUD,
    })),
  };
}

function discovery(pathname: string): unknown {
  if (pathname === '/api') {
    return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  }
  if (pathname === '/apis') {
    const groups = Object.keys(GROUPS)
      .filter((gv) => gv.includes('/'))
      .map((gv) => {
        const [name = ''] = gv.split('/');
        const version = { groupVersion: gv, version: gv.split('/')[1] };
        return { name, versions: [version], preferredVersion: version };
      });
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }
  const gv = pathname === '/api/v1' ? 'v1' : pathname.replace(/^\/apis\//, '');
  const resources = Object.hasOwn(GROUPS, gv) ? GROUPS[gv] : undefined;
  return resources ? resourceList(gv, resources) : undefined;
}

/** The answer to a write: the decoded object, plus what whoami and can-i need to print. */
function answer(body: Buffer, contentType: string): Record<string, unknown> {
  const object = contentType.startsWith('application/vnd.kubernetes.protobuf')
    ? decodeKubernetesProtobuf(body)
    : (JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  if (object.kind === 'SelfSubjectReview') {
    return { ...object, status: { userInfo: { username: 'tester', groups: ['system:authenticated'] } } };
  }
  if (object.kind === 'SelfSubjectAccessReview') return { ...object, status: { allowed: true } };
  return object;
}

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startKubectlHarness(kubectlBinary: string): Promise<KubectlHarness> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-protobuf-kubectl-'));
  const ca = await createCertificateAuthority('protobuf-test-ca');
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    subjectAltNames: ['127.0.0.1'],
    validityDays: 1,
  });
  let captured: CapturedRequest[] = [];

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (req.method === 'GET') {
      const doc = discovery(url.pathname);
      if (doc) return send(res, 200, doc);
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const body = Buffer.concat(chunks);
    const contentType = req.headers['content-type'] ?? '';
    captured.push({ method: req.method ?? '', path: url.pathname, contentType, body });
    return send(res, 201, answer(body, contentType));
  }

  const server = https.createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof ApiError
          ? err.status()
          : { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 500, message: String(err) };
      send(res, status.code ?? 500, status);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const kubeconfig = path.join(dir, 'kubeconfig');
  await fs.writeFile(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: c\n  cluster:\n    server: https://127.0.0.1:${port}\n    insecure-skip-tls-verify: true`,
      'users:',
      '- name: u\n  user:\n    token: test-token',
      'contexts:',
      '- name: x\n  context:\n    cluster: c\n    user: u\n    namespace: default',
      'current-context: x',
      '',
    ].join('\n'),
  );
  // kubectl caches discovery under --cache-dir; keep it inside the temp dir, away from ~/.kube.
  const base = [
    `--kubeconfig=${kubeconfig}`,
    `--cache-dir=${path.join(dir, 'cache')}`,
    '--request-timeout=10s',
  ];

  return {
    run: (args) =>
      new Promise((resolve) => {
        execFile(kubectlBinary, [...base, ...args], { timeout: 30_000 }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    take: () => {
      const out = captured;
      captured = [];
      return out;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
