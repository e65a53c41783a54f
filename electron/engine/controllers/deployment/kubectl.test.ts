/**
 * Real kubectl (the oldest and newest supported) driving rollouts handled by the deployment
 * and ReplicaSet controllers: rollout status/history/undo/pause/resume/restart, set image and
 * scale, as on a real cluster. kubectl ≥ 1.27 rolls back client-side, from the old
 * ReplicaSet's template and annotations, so `undo` also checks the controller's bookkeeping.
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { KubeClient } from '../../../kube/types';
import { KUBECTL_DIR, type KubectlResult } from '../../apiserver/testing/cluster';
import { createReplicaSetController } from '../replicaset/replicaset';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createDeploymentController } from './controller';
import { type FakeKubelet, makeDeployment, startFakeKubelet } from './testing';

const REV = 'deployment.kubernetes.io/revision';
let t: ControllerTest;
let client: KubeClient;
let kubelet: FakeKubelet;
let clockOffset = 0;

const deployApi = () => client.resource<Deployment>(R.deployments);

beforeAll(async () => {
  t = await startControllerTest([createReplicaSetController, createDeploymentController], {
    now: () => new Date(Date.now() + clockOffset),
  });
  client = t.client;
  kubelet = await startFakeKubelet(client, {
    ready: (pod) => !pod.spec?.containers[0]?.image?.includes('broken'),
  });
});

afterAll(async () => {
  await kubelet.stop();
  await t.stop();
});

describe.each(['1.27', '1.33'])('kubectl %s', (version) => {
  const binary = `${KUBECTL_DIR}/kubectl.${version}`;
  const v = version.replace('.', '');
  const kubectl = async (...args: string[]): Promise<KubectlResult> =>
    t.cluster.kubectl(args, { binary, timeoutMs: 60_000 });
  const ok = async (...args: string[]): Promise<string> => {
    const r = await kubectl(...args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const create = async (name: string, d: Deployment = makeDeployment(name).replicas(2).obj()) => {
    const r = await t.cluster.kubectl(['create', '-f', '-'], { binary, input: JSON.stringify(d) });
    expect(r.stdout).toBe(`deployment.apps/${name} created\n`);
  };
  const image = async (name: string) =>
    (await deployApi().get('default', name)).spec?.template.spec?.containers[0]?.image;
  const status = (name: string) => ok('rollout', 'status', `deployment/${name}`, '--timeout=60s');
  const replicaSets = async (name: string) =>
    (await client.resource<ReplicaSet>(R.replicasets).list('default', { labelSelector: `app=${name}` }))
      .items;

  it('rollout status waits for the rollout and reports success', async () => {
    const name = `status-${v}`;
    await create(name, makeDeployment(name).replicas(3).obj());
    const out = await status(name);
    expect(out.trim().split('\n').at(-1)).toBe(`deployment "${name}" successfully rolled out`);
    const d = await deployApi().get('default', name);
    expect(d.status?.availableReplicas).toBe(3);
  });

  it('set image starts a new revision; rollout history lists revisions with their change-cause', async () => {
    const name = `history-${v}`;
    await create(name);
    await status(name);
    expect(await ok('set', 'image', `deployment/${name}`, 'app=busybox:2')).toBe(
      `deployment.apps/${name} image updated\n`,
    );
    // As the Kubernetes docs do it: annotate after the change; the controller copies the
    // deployment's annotations to its current (new) ReplicaSet.
    await ok('annotate', `deployment/${name}`, 'kubernetes.io/change-cause=upgrade to 2');
    await status(name);
    await waitFor('change-cause on revision 2', async () =>
      (await replicaSets(name)).some(
        (rs) =>
          rs.metadata?.annotations?.[REV] === '2' &&
          rs.metadata.annotations['kubernetes.io/change-cause'] === 'upgrade to 2',
      ),
    );
    const history = await ok('rollout', 'history', `deployment/${name}`);
    const rows = history
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.trim().split(/\s{2,}/));
    expect(rows).toEqual([
      ['REVISION', 'CHANGE-CAUSE'],
      ['1', '<none>'],
      ['2', 'upgrade to 2'],
    ]);
    const rev1 = await ok('rollout', 'history', `deployment/${name}`, '--revision=1');
    expect(rev1).toContain('Image:\tbusybox:1');
    expect(rev1).toMatch(/pod-template-hash=/);
  });

  it('rollout undo goes back one revision, --to-revision to a given one', async () => {
    const name = `undo-${v}`;
    await create(name);
    await status(name);
    await ok('set', 'image', `deployment/${name}`, 'app=busybox:2');
    await status(name);
    expect(await ok('rollout', 'undo', `deployment/${name}`)).toBe(`deployment.apps/${name} rolled back\n`);
    await status(name);
    expect(await image(name)).toBe('busybox:1');
    await waitFor(
      'revision 3',
      async () => (await deployApi().get('default', name)).metadata?.annotations?.[REV] === '3',
    );
    // Rolling back reuses the revision-1 ReplicaSet: still two ReplicaSets, that one now revision 3.
    const rss = await replicaSets(name);
    expect(rss.map((rs) => rs.metadata?.annotations?.[REV]).sort()).toEqual(['2', '3']);

    await ok('rollout', 'undo', `deployment/${name}`, '--to-revision=2');
    await status(name);
    expect(await image(name)).toBe('busybox:2');
    const history = await ok('rollout', 'history', `deployment/${name}`);
    expect(history).toMatch(/\n3\s+<none>\s*\n4\s+<none>/);
  });

  it('rollout pause holds a new template back (and refuses undo); resume rolls it out', async () => {
    const name = `pause-${v}`;
    await create(name);
    await status(name);
    await ok('set', 'image', `deployment/${name}`, 'app=busybox:2');
    await status(name);
    expect(await ok('rollout', 'pause', `deployment/${name}`)).toBe(`deployment.apps/${name} paused\n`);
    await ok('set', 'image', `deployment/${name}`, 'app=busybox:3');
    const undo = await kubectl('rollout', 'undo', `deployment/${name}`);
    expect(undo.code).not.toBe(0);
    expect(undo.stderr).toContain('you cannot rollback a paused deployment; resume it first');
    await waitFor('paused condition', async () => {
      const d = await deployApi().get('default', name);
      return d.status?.conditions?.some((c) => c.reason === 'DeploymentPaused');
    });
    expect((await replicaSets(name)).length).toBe(2);
    expect(await ok('rollout', 'resume', `deployment/${name}`)).toBe(`deployment.apps/${name} resumed\n`);
    await status(name);
    const rss = await replicaSets(name);
    expect(
      rss.map((rs) => [rs.spec?.template?.spec?.containers[0]?.image, rs.spec?.replicas]).sort(),
    ).toEqual([
      ['busybox:1', 0],
      ['busybox:2', 0],
      ['busybox:3', 2],
    ]);
  });

  it('rollout restart replaces every pod through a new revision', async () => {
    const name = `restart-${v}`;
    await create(name);
    await status(name);
    expect(await ok('rollout', 'restart', `deployment/${name}`)).toBe(`deployment.apps/${name} restarted\n`);
    await status(name);
    const d = await deployApi().get('default', name);
    expect(d.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
    expect(d.metadata?.annotations?.[REV]).toBe('2');
    const pods = await t.cluster.kubectl(['get', 'pods', '-l', `app=${name}`, '-o', 'name'], { binary });
    expect(pods.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('scale deployment resizes its ReplicaSet', async () => {
    const name = `scale-${v}`;
    await create(name);
    await status(name);
    expect(await ok('scale', `deployment/${name}`, '--replicas=5')).toBe(`deployment.apps/${name} scaled\n`);
    await status(name);
    const [rs, ...rest] = await replicaSets(name);
    expect(rest).toEqual([]);
    expect(rs?.spec?.replicas).toBe(5);
    expect(rs?.metadata?.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('5');
    const get = await ok('get', `deployment/${name}`, '--no-headers');
    expect(get.trim().split(/\s+/).slice(0, 4)).toEqual([name, '5/5', '5', '5']);
  });

  it('rollout status fails once the progress deadline is exceeded', async () => {
    const name = `deadline-${v}`;
    await create(name);
    await status(name);
    await ok('set', 'image', `deployment/${name}`, 'app=busybox:broken');
    await waitFor('rollout under way', async () => {
      const d = await deployApi().get('default', name);
      return d.status?.conditions?.some((c) => c.reason === 'ReplicaSetUpdated');
    });
    clockOffset += 601_000;
    await ok('annotate', `deployment/${name}`, 'poke=1');
    const r = await kubectl('rollout', 'status', `deployment/${name}`, '--timeout=60s');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`deployment "${name}" exceeded its progress deadline`);
  });
});
