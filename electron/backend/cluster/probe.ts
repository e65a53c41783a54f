import https from 'node:https';

export interface ProbeResult {
  ready: boolean;
  gitVersion: string | null;
  error: string | null;
}

/**
 * Ask the API server whether it is ready and which version it is, verifying its certificate
 * against the cluster CA (so a probe that passes also proves the TLS chain clients will see).
 */
export async function probeApiServer(apiUrl: string, caPem: string, timeoutMs = 3000): Promise<ProbeResult> {
  try {
    const readyz = await get(new URL('/readyz', apiUrl), caPem, timeoutMs);
    if (readyz.status !== 200) {
      return {
        ready: false,
        gitVersion: null,
        error: `/readyz answered ${readyz.status}: ${readyz.body.trim()}`,
      };
    }
    const version = await get(new URL('/version', apiUrl), caPem, timeoutMs);
    const gitVersion =
      version.status === 200
        ? ((JSON.parse(version.body) as { gitVersion?: string }).gitVersion ?? null)
        : null;
    return { ready: true, gitVersion, error: null };
  } catch (err) {
    return { ready: false, gitVersion: null, error: (err as Error).message };
  }
}

function get(url: URL, ca: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}
