/**
 * HTTPS requests to a test cluster with credentials of the caller's choice (none, or a bearer
 * token): the harness's `request()` always presents the admin client certificate. The server's
 * certificate is still verified against the cluster CA.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import type { TestCluster } from '../testing/cluster';
import { type TestResponse, readResponse } from '../testing/http';

export function requestWithoutCertificate(
  cluster: TestCluster,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<TestResponse> {
  const ca = readFileSync(join(cluster.dataDir, 'pki', 'ca.crt'), 'utf8');
  const base = new URL(cluster.apiUrl);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: base.hostname,
        port: base.port,
        method,
        path,
        ca,
        headers: { accept: 'application/json', ...headers },
      },
      (res) => readResponse(res).then(resolve, reject),
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on('error', reject);
    req.end();
  });
}
