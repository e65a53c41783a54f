/**
 * Scale check of the simulator, run on demand (SIM_SCALE=1000x10000 npx vitest run
 * electron/sim/scale.test.ts): a test control plane with node IPAM, N simulated nodes, M pods
 * created already bound (no scheduler), until all report Running. Prints the figures (time,
 * RSS of this process, which holds the API server too); asserts only that every pod ran.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { describe, expect, it } from 'vitest';
import { createNodeIpamController } from '../engine/controllers/nodeipam/controller';
import { forEachLimit } from '../engine/controllers/nodelifecycle/loops';
import { startControllerTest, waitFor } from '../engine/controllers/testing';
import { R } from '../kube/resources';
import { startSimNodes } from './nodes';
import { makePod } from './testing';

const [nodes = 0, pods = 0] = (process.env.SIM_SCALE ?? '').split('x').map(Number);

describe.skipIf(!nodes)('simulated nodes at scale', () => {
  it(`runs ${pods} pods on ${nodes} nodes`, { timeout: 900_000 }, async () => {
    // A /24 per node: 10.42.0.0/16 holds only 256 nodes; a /12 holds 4,096.
    const t = await startControllerTest([createNodeIpamController], {
      options: { clusterCidr: '10.32.0.0/12' },
    });
    const mb = () => Math.round(process.memoryUsage().rss / 2 ** 20);
    try {
      let start = Date.now();
      const sim = await startSimNodes({ client: t.client, count: nodes, namePrefix: 'scale-' });
      const registerMs = Date.now() - start;
      start = Date.now();
      const api = t.client.resource<Pod>(R.pods);
      await forEachLimit(
        Array.from({ length: pods }, (_, i) => i),
        64,
        async (i) => {
          await api.create(
            'default',
            makePod(`p-${i}`)
              .node(`scale-${i % nodes}`)
              .obj(),
          );
        },
      );
      const createMs = Date.now() - start;
      const progress = setInterval(() => {
        const rss = mb();
        process.stdout.write(`${JSON.stringify({ s: (Date.now() - start) / 1000, rss, ...sim.stats() })}\n`);
      }, 10_000);
      await waitFor('all running', () => sim.stats().podsRunning >= pods, 600_000).finally(() =>
        clearInterval(progress),
      );
      const allRunningMs = Date.now() - start;
      const figures = { nodes, pods, registerMs, createMs, allRunningMs, rssMb: mb(), stats: sim.stats() };
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      expect(sim.stats().podsRunning).toBe(pods);
      await sim.stop();
    } finally {
      await t.stop();
    }
  });
});
