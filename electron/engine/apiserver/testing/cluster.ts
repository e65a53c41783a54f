/**
 * Test harness: a real control plane (memory store by default, or embedded) on loopback
 * ports chosen by the OS, with helpers to call its API as the admin (client certificate, the
 * same credentials kubectl gets from the kubeconfig) and to run real kubectl against it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type ControlPlaneConfig, withDefaults } from '../../config';
import { type TestResponse, readResponse, requestHeaders } from './http';
import { type ControlPlane, createControlPlane } from '../../control-plane';
import { createLogger } from '../../log';
import type { StoreBackend } from '../../store';

const run = promisify(execFile);

export interface TestCluster {
  apiUrl: string;
  dataDir: string;
  kubeconfig: string;
  plane: ControlPlane;
  /** One HTTP request as the cluster admin; the body is JSON-encoded unless it is a string/Buffer. */
  request(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<TestResponse>;
  /** Run kubectl (default: the machine's `kubectl`) with this cluster's kubeconfig. */
  kubectl(
    args: string[],
    opts?: { binary?: string; input?: string; timeoutMs?: number },
  ): Promise<KubectlResult>;
  stop(): Promise<void>;
}

export type { TestResponse };

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';

export interface TestClusterOptions {
  backend?: StoreBackend;
  /**
   * Run the scheduler and controllers (default false: API tests see only what they do
   * themselves; controller and scheduler tests run the component under test directly).
   */
  controllers?: boolean;
  /** Anything else of the control plane's config (controller periods, leader election…). */
  config?: Partial<ControlPlaneConfig>;
}

export async function startTestCluster(opts: TestClusterOptions = {}): Promise<TestCluster> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ph-api-'));
  const config = withDefaults({
    dataDir,
    bindAddress: '127.0.0.1',
    securePort: 0,
    etcdPort: 0,
    store: { backend: opts.backend ?? 'memory', retentionSeconds: 300 },
    disableScheduler: opts.controllers !== true,
    disableControllerManager: opts.controllers !== true,
    ...opts.config,
  });
  const plane = createControlPlane(config, createLogger('test', 'silent'));
  const info = await plane.start();
  const pki = path.join(dataDir, 'pki');
  const [ca, cert, key] = await Promise.all(
    ['ca.crt', 'admin.crt', 'admin.key'].map((f) => readFile(path.join(pki, f), 'utf8')),
  );
  const agent = new https.Agent({ ca, cert, key, keepAlive: true });
  const base = new URL(info.apiUrl);

  const request: TestCluster['request'] = (method, p, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const payload =
        body === undefined
          ? undefined
          : typeof body === 'string' || Buffer.isBuffer(body)
            ? body
            : JSON.stringify(body);
      const req = https.request(
        {
          host: base.hostname,
          port: base.port,
          method,
          path: p,
          agent,
          headers: requestHeaders(payload, headers),
        },
        (res) => readResponse(res).then(resolve, reject),
      );
      req.on('error', reject);
      req.end(payload);
    });

  const kubectl: TestCluster['kubectl'] = async (args, o = {}) => {
    const binary = o.binary ?? 'kubectl';
    try {
      const child = run(binary, args, {
        env: { ...process.env, KUBECONFIG: info.kubeconfigPath, HOME: dataDir },
        timeout: o.timeoutMs ?? 30_000,
        maxBuffer: 32 * 1024 * 1024,
      });
      if (o.input !== undefined) {
        child.child.stdin?.end(o.input);
      }
      const { stdout, stderr } = await child;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return {
        code: typeof e.code === 'number' ? e.code : 1,
        stdout: e.stdout ?? '',
        stderr: e.stderr ?? String(err),
      };
    }
  };

  return {
    apiUrl: info.apiUrl,
    dataDir,
    kubeconfig: info.kubeconfigPath,
    plane,
    request,
    kubectl,
    async stop() {
      agent.destroy();
      await plane.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
