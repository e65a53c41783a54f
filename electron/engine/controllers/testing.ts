/**
 * Test harness for controllers: a real control plane (startTestCluster, memory store) with
 * the given controllers running against it through an admin client, and that client for the
 * test to act and observe with. `waitFor` polls a condition (bounded) for the eventual
 * consistency controllers have.
 */
import { createLogger } from '../log';
import { adminClient } from '../../kube/testing';
import type { KubeClient } from '../../kube/types';
import { startTestCluster, type TestCluster } from '../apiserver/testing/cluster';
import { type ControllerManager, createControllerManager } from './manager';
import type { ControllerFactory, ControllerOptions } from './types';

export interface ControllerTest {
  cluster: TestCluster;
  client: KubeClient;
  manager: ControllerManager;
  stop(): Promise<void>;
}

export async function startControllerTest(
  controllers: ControllerFactory[],
  opts: { options?: Partial<ControllerOptions>; now?: () => Date } = {},
): Promise<ControllerTest> {
  const cluster = await startTestCluster({ controllers: false });
  const client = await adminClient(cluster);
  const manager = createControllerManager({
    client,
    log: createLogger('test', 'silent'),
    controllers,
    options: opts.options,
    now: opts.now,
  });
  await manager.start();
  return {
    cluster,
    client,
    manager,
    async stop() {
      await manager.stop();
      client.close();
      await cluster.stop();
    },
  };
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false; bounded. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
