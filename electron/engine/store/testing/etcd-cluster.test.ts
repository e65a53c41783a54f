/** The real-etcd harness itself: start, health, kill, restart on the same data, cleanup. */
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startEtcdCluster, type EtcdCluster } from './etcd-cluster';
import { must } from './must';

const clusters: EtcdCluster[] = [];
afterAll(async () => {
  for (const c of clusters) await c.close();
});

async function health(url: string): Promise<unknown> {
  const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3_000) });
  return res.json();
}

describe('etcd test cluster', () => {
  it('starts a member on loopback, kills and restarts it on its data, and removes everything on close', async () => {
    const cluster = await startEtcdCluster();
    clusters.push(cluster);
    expect(cluster.endpoints).toEqual([expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/)]);
    expect(await health(cluster.endpoint(0))).toEqual({ health: 'true' });
    const put = await fetch(`${cluster.endpoint(0)}/v3/kv/put`, {
      method: 'POST',
      body: JSON.stringify({
        key: Buffer.from('k').toString('base64'),
        value: Buffer.from('v').toString('base64'),
      }),
    });
    expect(put.ok).toBe(true);

    await cluster.kill(0);
    expect(cluster.isRunning(0)).toBe(false);
    await expect(health(cluster.endpoint(0))).rejects.toThrow();
    await cluster.start(0);
    const range = (await (
      await fetch(`${cluster.endpoint(0)}/v3/kv/range`, {
        method: 'POST',
        body: JSON.stringify({ key: Buffer.from('k').toString('base64') }),
      })
    ).json()) as { kvs?: { value: string }[] };
    expect(Buffer.from(range.kvs?.[0]?.value ?? '', 'base64').toString()).toBe('v');

    const dir = /"data-dir":"([^"]+)"/.exec(cluster.logTail(0))?.[1];
    expect(dir && existsSync(dir)).toBe(true);
    await cluster.close();
    expect(existsSync(must(dir))).toBe(false);
  });

  it('starts three members that form one cluster', async () => {
    const cluster = await startEtcdCluster({ members: 3 });
    clusters.push(cluster);
    const members = (await (
      await fetch(`${cluster.endpoint(1)}/v3/cluster/member/list`, { method: 'POST', body: '{}' })
    ).json()) as {
      members: { name: string }[];
    };
    expect(members.members.map((m) => m.name).sort()).toEqual(['m0', 'm1', 'm2']);
    await cluster.close();
  });

  it('fails a start that cannot succeed with the member log', async () => {
    await expect(startEtcdCluster({ extraArgs: ['--no-such-flag'], startTimeoutMs: 5_000 })).rejects.toThrow(
      /etcd member m0 exited during start; last log lines:\n.*no-such-flag/s,
    );
  });
});
