/**
 * `pilothouse sim nodes` as a real process against a test cluster (node IPAM and node lifecycle
 * running). The CLI runs from source through tsx, so the test needs no build.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { Node } from 'kubernetes-types/core/v1';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../kube/resources';
import { createPod, getPod, makePod } from '../../sim/testing';
import { createNodeIpamController } from '../../engine/controllers/nodeipam/controller';
import { createNodeLifecycleController } from '../../engine/controllers/nodelifecycle/controller';
import { type ControllerTest, startControllerTest, waitFor } from '../../engine/controllers/testing';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const ENTRY = path.join(ROOT, 'electron/cli/index.ts');

interface Cli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const running: Cli[] = [];

function cli(args: string[]): Cli {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const c = { child, stdout: () => out, stderr: () => err, exited };
  running.push(c);
  return c;
}

/** Stop with SIGINT and wait (bounded) for the exit code. */
async function interrupt(c: Cli): Promise<number | null> {
  c.child.kill('SIGINT');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000));
  const code = await Promise.race([c.exited, timeout]);
  if (code === 'timeout') throw new Error(`sim did not stop on SIGINT\n${c.stderr()}`);
  return code;
}

let t: ControllerTest;
const node = (name: string) => t.client.resource<Node>(R.nodes).get('', name);
const ready = async (name: string) =>
  (await node(name)).status?.conditions?.find((c) => c.type === 'Ready')?.status;

beforeAll(async () => {
  t = await startControllerTest([createNodeIpamController, createNodeLifecycleController], {
    options: { nodeMonitorPeriodMs: 200, nodeMonitorGracePeriodMs: 3_000 },
  });
});
afterEach(() => {
  for (const c of running.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
});
afterAll(() => t.stop());

describe('pilothouse sim nodes', () => {
  it('registers nodes that run pods, applies the failure flags, and cleans up on Ctrl-C', async () => {
    const c = cli([
      'sim',
      'nodes',
      '--kubeconfig',
      t.cluster.kubeconfig,
      '--count',
      '3',
      '--name-prefix',
      'cli-',
      '--cpu',
      '2',
      '--heartbeat',
      '1',
      '--stop-heartbeat',
      'cli-2',
      '--stop-heartbeat-after',
      '1',
      '--not-ready',
      'cli-1',
      '--cleanup',
    ]);
    await waitFor('registration', () => c.stdout().includes('Registered 3 nodes'), 30_000);
    expect(c.stdout()).toContain(`Registering 3 simulated nodes (cli-0 … cli-2) with ${t.cluster.apiUrl}`);
    expect((await node('cli-0')).status?.capacity?.cpu).toBe('2');

    await createPod(t.client, makePod('via-cli').node('cli-0').obj());
    await waitFor(
      'pod running',
      async () => (await getPod(t.client, 'default', 'via-cli'))?.status?.phase === 'Running',
    );

    await waitFor('cli-1 NotReady', async () => (await ready('cli-1')) === 'False');
    await waitFor('cli-2 Unknown', async () => (await ready('cli-2')) === 'Unknown', 15_000);
    expect(await ready('cli-0')).toBe('True');
    expect(c.stdout()).toContain('heartbeat stopped: cli-2');
    expect(c.stdout()).toContain('reporting NotReady: cli-1');

    expect(await interrupt(c)).toBe(0);
    expect(c.stdout()).toContain('stopped; deleted 3 nodes');
    for (const n of ['cli-0', 'cli-1', 'cli-2']) await expect(node(n)).rejects.toMatchObject({ code: 404 });
  });

  it('keeps its nodes when it stops without --cleanup', async () => {
    const args = [
      'sim',
      'nodes',
      '--kubeconfig',
      t.cluster.kubeconfig,
      '--count',
      '1',
      '--name-prefix',
      'keep-',
    ];
    const c = cli(args);
    await waitFor('registration', () => c.stdout().includes('Registered 1 nodes'), 30_000);
    expect(await interrupt(c)).toBe(0);
    expect(c.stdout()).toContain('stopped; the nodes are kept');
    expect((await node('keep-0')).metadata?.labels?.type).toBe('sim');
  });

  it.each([
    [
      'a node that is not simulated',
      ['--count', '2', '--stop-heartbeat', 'sim-5'],
      2,
      /sim-5 is not one of the simulated nodes/,
    ],
    ['a bad count', ['--count', '0'], 2, /expected a number of nodes/],
    [
      'a missing kubeconfig',
      ['--count', '1', '--kubeconfig', '/nonexistent/kubeconfig.yaml'],
      1,
      /cannot read kubeconfig/,
    ],
  ])('refuses %s with one line on stderr', async (_what, args, code, message) => {
    const c = cli(['sim', 'nodes', ...args]);
    expect(await c.exited).toBe(code);
    expect(c.stderr()).toMatch(message);
    expect(c.stderr().trim().split('\n')).toHaveLength(1);
  });
});
