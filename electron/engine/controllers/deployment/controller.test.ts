/**
 * The deployment controller with the ReplicaSet controller against a real API server; a fake
 * kubelet (testing.ts) binds pods and makes them ready, except pods whose image contains
 * "broken" (they run but never become ready, like a crash-looping container).
 */
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1';
import type { Event, Pod } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import type { KubeClient, WatchHandle } from '../../../kube/types';
import { createReplicaSetController } from '../replicaset/replicaset';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { createDeploymentController } from './controller';
import { computeHash } from './hash';
import { type FakeKubelet, makeDeployment, startFakeKubelet } from './testing';

const REV = 'deployment.kubernetes.io/revision';
let t: ControllerTest;
let client: KubeClient;
let kubelet: FakeKubelet;
/** The controllers' clock runs this many ms ahead of the real one (progress deadline tests). */
let clockOffset = 0;

const deployApi = () => client.resource<Deployment>(R.deployments);
const rsApi = () => client.resource<ReplicaSet>(R.replicasets);
const podApi = () => client.resource<Pod>(R.pods);

async function replicaSetsOf(app: string): Promise<ReplicaSet[]> {
  const items = (await rsApi().list('default', { labelSelector: `app=${app}` })).items;
  return items.sort(
    (a, b) => Number(a.metadata?.annotations?.[REV]) - Number(b.metadata?.annotations?.[REV]),
  );
}

async function eventMessages(name: string, reason: string): Promise<string[]> {
  const all = (await client.resource<Event>(R.events).list('default')).items;
  return all.filter((e) => e.involvedObject.name === name && e.reason === reason).map((e) => e.message ?? '');
}

/** Waits for a finished rollout: what `kubectl rollout status` waits for, plus a completed condition. */
async function rolledOut(name: string, timeoutMs = 30_000): Promise<Deployment> {
  return waitFor(
    `${name} rolled out`,
    async () => {
      const d = await deployApi().get('default', name);
      const s = d.status;
      const replicas = d.spec?.replicas ?? 1;
      const progressing = s?.conditions?.find((c) => c.type === 'Progressing');
      const done =
        (s?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (s?.updatedReplicas ?? 0) === replicas &&
        (s?.replicas ?? 0) === replicas &&
        (s?.availableReplicas ?? 0) === replicas &&
        progressing?.reason === 'NewReplicaSetAvailable';
      return done ? d : undefined;
    },
    timeoutMs,
  );
}

async function setImage(name: string, image: string): Promise<void> {
  await deployApi().patch('default', name, 'strategic', {
    spec: { template: { spec: { containers: [{ name: 'app', image }] } } },
  });
}

/** Records every ReplicaSet state of `app` seen through a watch, for invariants over a rollout. */
function recordReplicaSets(app: string, check: (rss: ReplicaSet[]) => void): WatchHandle {
  const seen = new Map<string, ReplicaSet>();
  return rsApi().watch('default', { labelSelector: `app=${app}` }, (e) => {
    if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
    const name = e.object.metadata?.name ?? '';
    if (e.type === 'DELETED') seen.delete(name);
    else seen.set(name, e.object);
    check([...seen.values()]);
  });
}

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

describe('deployment controller', () => {
  it('creates <name>-<pod-template-hash> with the hash in selector, labels and pods; reports status', async () => {
    const created = await deployApi().create('default', makeDeployment('web').replicas(3).obj());
    const d = await rolledOut('web');
    const [rs, ...rest] = await replicaSetsOf('web');
    expect(rest).toEqual([]);
    const hash = rs?.metadata?.labels?.['pod-template-hash'] ?? '';
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs?.metadata?.name).toBe(`web-${hash}`);
    expect(rs?.spec?.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.spec?.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: created.metadata?.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(rs?.metadata?.annotations).toMatchObject({
      [REV]: '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4', // 3 + ceil(25% of 3)
    });
    const pods = (await podApi().list('default', { labelSelector: 'app=web' })).items;
    expect(pods.map((p) => p.metadata?.labels?.['pod-template-hash'])).toEqual([hash, hash, hash]);

    expect(d.metadata?.annotations?.[REV]).toBe('1');
    expect(d.status).toMatchObject({
      observedGeneration: d.metadata?.generation,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
    });
    expect(d.status?.unavailableReplicas).toBeUndefined();
    const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    expect(conds.Available).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(conds.Progressing).toMatchObject({
      status: 'True',
      reason: 'NewReplicaSetAvailable',
      message: `ReplicaSet "web-${hash}" has successfully progressed.`,
    });
    await waitFor('ScalingReplicaSet event', async () =>
      (await eventMessages('web', 'ScalingReplicaSet')).includes(
        `Scaled up replica set web-${hash} from 0 to 3`,
      ),
    );
  });

  it.each([
    ['ints', 3, 2],
    ['percentages', '30%', '20%'],
  ])(
    'rolls out with maxSurge/maxUnavailable as %s, never beyond the bounds',
    async (_what, surge, unavailable) => {
      const name = `roll-${typeof surge}`;
      await deployApi().create(
        'default',
        makeDeployment(name).replicas(10).rolling(surge, unavailable).obj(),
      );
      await rolledOut(name);
      const violations: string[] = [];
      const watch = recordReplicaSets(name, (rss) => {
        const total = rss.reduce((n, rs) => n + (rs.spec?.replicas ?? 0), 0);
        const available = rss.reduce((n, rs) => n + (rs.status?.availableReplicas ?? 0), 0);
        if (total > 13) violations.push(`${total} replicas > 10 + maxSurge 3`);
        if (available < 8) violations.push(`${available} available < 10 - maxUnavailable 2`);
      });
      try {
        await setImage(name, 'busybox:2');
        const d = await rolledOut(name);
        expect(d.metadata?.annotations?.[REV]).toBe('2');
      } finally {
        watch.close();
      }
      expect(violations).toEqual([]);
      const [old, cur] = await replicaSetsOf(name);
      expect(old?.spec?.replicas).toBe(0);
      expect(cur?.spec?.replicas).toBe(10);
      expect(cur?.spec?.template?.spec?.containers[0]?.image).toBe('busybox:2');
      const scaled = await eventMessages(name, 'ScalingReplicaSet');
      expect(scaled).toContain(`Scaled down replica set ${old?.metadata?.name ?? ''} from 10 to 8`);
      expect(scaled).toContain(`Scaled up replica set ${cur?.metadata?.name ?? ''} from 0 to 3`);
    },
  );

  it('Recreate: scales the old ReplicaSet to 0 and starts new pods only when the old ones are gone', async () => {
    await deployApi().create('default', makeDeployment('rec').replicas(3).recreate().obj());
    await rolledOut('rec');
    const overlaps: string[] = [];
    const seen = new Map<string, Pod>();
    const watch = podApi().watch('default', { labelSelector: 'app=rec' }, (e) => {
      if (e.type === 'BOOKMARK' || e.type === 'ERROR') return;
      const name = e.object.metadata?.name ?? '';
      if (e.type === 'DELETED') seen.delete(name);
      else seen.set(name, e.object);
      const images = new Set([...seen.values()].map((p) => p.spec?.containers[0]?.image));
      if (images.size > 1) overlaps.push([...seen.keys()].join(','));
    });
    try {
      await setImage('rec', 'busybox:2');
      await rolledOut('rec');
    } finally {
      watch.close();
    }
    expect(overlaps).toEqual([]);
    const [old, cur] = await replicaSetsOf('rec');
    expect([old?.spec?.replicas, cur?.spec?.replicas]).toEqual([0, 3]);
  });

  it('scales proportionally when resized during a stuck rollout', async () => {
    await deployApi().create('default', makeDeployment('prop').replicas(10).rolling(3, 2).obj());
    await rolledOut('prop');
    await setImage('prop', 'busybox:broken');
    // 10 replicas, surge 3, unavailable 2, new pods never ready: old 8 + new 5 (Kubernetes' own example).
    const sizes = async () => (await replicaSetsOf('prop')).map((rs) => rs.spec?.replicas);
    await waitFor('old 8, new 5', async () => JSON.stringify(await sizes()) === '[8,5]');
    await deployApi().patch('default', 'prop', 'merge', { spec: { replicas: 15 } });
    // 5 more allowed (15 + 3 - 13): old 8→round(8·18/13)=11, new takes the rest, 7.
    await waitFor('old 11, new 7', async () => JSON.stringify(await sizes()) === '[11,7]');
    for (const rs of await replicaSetsOf('prop')) {
      expect(rs.metadata?.annotations).toMatchObject({
        'deployment.kubernetes.io/desired-replicas': '15',
        'deployment.kubernetes.io/max-replicas': '18',
      });
    }
  });

  it('reports ProgressDeadlineExceeded once a stuck rollout passes its deadline', async () => {
    await deployApi().create('default', makeDeployment('stuck').replicas(2).obj());
    await rolledOut('stuck');
    await setImage('stuck', 'busybox:broken');
    const progressing = async () =>
      (await deployApi().get('default', 'stuck')).status?.conditions?.find((c) => c.type === 'Progressing');
    await waitFor('ReplicaSetUpdated', async () => (await progressing())?.reason === 'ReplicaSetUpdated');
    clockOffset += 601_000; // past the default progressDeadlineSeconds (600)
    // Any event wakes the controller; the real timer would fire 600 s later.
    await deployApi().patch('default', 'stuck', 'merge', { metadata: { annotations: { poke: '1' } } });
    const cond = await waitFor('ProgressDeadlineExceeded', async () => {
      const c = await progressing();
      return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
    });
    const newRS = (await replicaSetsOf('stuck'))[1];
    expect(cond).toMatchObject({
      status: 'False',
      message: `ReplicaSet "${newRS?.metadata?.name ?? ''}" has timed out progressing.`,
    });
  });

  it('paused: no rollout progress, but scaling applies; resume continues the rollout', async () => {
    await deployApi().create('default', makeDeployment('pause').replicas(2).obj());
    await rolledOut('pause');
    await deployApi().patch('default', 'pause', 'merge', { spec: { paused: true } });
    await setImage('pause', 'busybox:2');
    await deployApi().patch('default', 'pause', 'merge', { spec: { replicas: 4 } });
    const d = await waitFor('scaled while paused', async () => {
      const cur = await deployApi().get('default', 'pause');
      return cur.status?.observedGeneration === cur.metadata?.generation && cur.status?.replicas === 4
        ? cur
        : undefined;
    });
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'Unknown',
      reason: 'DeploymentPaused',
    });
    expect((await replicaSetsOf('pause')).map((rs) => rs.spec?.template?.spec?.containers[0]?.image)).toEqual(
      ['busybox:1'],
    );
    await deployApi().patch('default', 'pause', 'merge', { spec: { paused: false } });
    await rolledOut('pause');
    expect((await replicaSetsOf('pause')).map((rs) => rs.spec?.replicas)).toEqual([0, 4]);
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    await deployApi().create('default', makeDeployment('hist').replicas(1).revisionHistoryLimit(2).obj());
    for (let i = 2; i <= 5; i++) {
      await rolledOut('hist');
      await setImage('hist', `busybox:${i}`);
    }
    await rolledOut('hist');
    const revisions = async () => (await replicaSetsOf('hist')).map((rs) => rs.metadata?.annotations?.[REV]);
    await waitFor(
      'revisions 3, 4, 5 left',
      async () => JSON.stringify(await revisions()) === '["3","4","5"]',
    );
  });

  it('rolls back through the deprecated rollback annotation, reusing the old ReplicaSet', async () => {
    await deployApi().create(
      'default',
      makeDeployment('undo').annotation('kubernetes.io/change-cause', 'first').obj(),
    );
    await rolledOut('undo');
    await deployApi().patch('default', 'undo', 'merge', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'second' } },
      spec: { template: { spec: { containers: [{ name: 'app', image: 'busybox:2' }] } } },
    });
    await rolledOut('undo');
    await deployApi().patch('default', 'undo', 'merge', {
      metadata: { annotations: { 'deprecated.deployment.rollback.to': '1' } },
    });
    const d = await waitFor('revision 3', async () => {
      const cur = await deployApi().get('default', 'undo');
      return cur.metadata?.annotations?.[REV] === '3' ? cur : undefined;
    });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('busybox:1');
    expect(d.metadata?.annotations?.['kubernetes.io/change-cause']).toBe('first');
    expect(d.metadata?.annotations?.['deprecated.deployment.rollback.to']).toBeUndefined();
    await rolledOut('undo');
    const rss = await replicaSetsOf('undo');
    expect(rss).toHaveLength(2);
    expect(rss[1]?.metadata?.annotations).toMatchObject({
      [REV]: '3',
      'deployment.kubernetes.io/revision-history': '1',
      'kubernetes.io/change-cause': 'first',
    });
    expect(await eventMessages('undo', 'DeploymentRollback')).toEqual([
      'Rolled back deployment "undo" to revision 1',
    ]);
  });

  it('reports a new deployment whose pods never become ready as unavailable and progressing', async () => {
    const reasons: string[] = [];
    const watch = deployApi().watch('default', { fieldSelector: 'metadata.name=sick' }, (e) => {
      if (e.type !== 'ADDED' && e.type !== 'MODIFIED') return;
      const r = e.object.status?.conditions?.find((c) => c.type === 'Progressing')?.reason;
      if (r && reasons.at(-1) !== r) reasons.push(r);
    });
    try {
      await deployApi().create('default', makeDeployment('sick').replicas(2).image('busybox:broken').obj());
      const d = await waitFor('both pods running unready', async () => {
        const cur = await deployApi().get('default', 'sick');
        return cur.status?.replicas === 2 && reasons.includes('ReplicaSetUpdated') ? cur : undefined;
      });
      const conds = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
      expect(conds.Available).toMatchObject({
        status: 'False',
        reason: 'MinimumReplicasUnavailable',
        message: 'Deployment does not have minimum availability.',
      });
      expect(d.status?.unavailableReplicas).toBe(2);
      expect(d.status?.availableReplicas).toBeUndefined();
      const rs = (await replicaSetsOf('sick'))[0];
      expect(reasons[0]).toBe('NewReplicaSetCreated');
      expect(conds.Progressing).toMatchObject({
        status: 'True',
        reason: 'ReplicaSetUpdated',
        message: `ReplicaSet "${rs?.metadata?.name ?? ''}" is progressing.`,
      });
    } finally {
      watch.close();
    }
  });

  it('passes minReadySeconds to the ReplicaSet without starting a new revision', async () => {
    await deployApi().create('default', makeDeployment('minready').replicas(1).minReadySeconds(1).obj());
    const d = await rolledOut('minready');
    expect(d.status?.availableReplicas).toBe(1);
    await deployApi().patch('default', 'minready', 'merge', { spec: { minReadySeconds: 2 } });
    await waitFor('ReplicaSet minReadySeconds 2', async () => {
      const rss = await replicaSetsOf('minready');
      return rss.length === 1 && rss[0]?.spec?.minReadySeconds === 2;
    });
    const after = await rolledOut('minready');
    expect(after.metadata?.annotations?.[REV]).toBe('1');
  });

  it('bumps collisionCount when its ReplicaSet name is taken by a different template', async () => {
    const created = await deployApi().create('default', makeDeployment('coll').paused().obj());
    const hash = computeHash(created.spec?.template);
    const squatter = makeDeployment('other').obj().spec?.template;
    await rsApi().create('default', {
      metadata: { name: `coll-${hash}`, labels: { app: 'other' } },
      spec: { replicas: 0, selector: { matchLabels: { app: 'other' } }, template: squatter },
    });
    await deployApi().patch('default', 'coll', 'merge', { spec: { paused: false } });
    const d = await rolledOut('coll');
    expect(d.status?.collisionCount).toBe(1);
    expect((await replicaSetsOf('coll')).map((rs) => rs.metadata?.name)).toEqual([
      `coll-${computeHash(created.spec?.template, 1)}`,
    ]);
  });

  it('adopts a matching orphan ReplicaSet and releases one whose labels no longer match', async () => {
    const d = makeDeployment('adopt').replicas(2).obj();
    const template = d.spec?.template;
    await rsApi().create('default', {
      metadata: { name: 'adopt-orphan', labels: { app: 'adopt' } },
      spec: { replicas: 2, selector: { matchLabels: { app: 'adopt' } }, template },
    });
    const created = await deployApi().create('default', d);
    await rolledOut('adopt');
    const rss = await replicaSetsOf('adopt');
    expect(rss.map((rs) => rs.metadata?.name)).toEqual(['adopt-orphan']);
    expect(rss[0]?.metadata?.ownerReferences?.[0]?.uid).toBe(created.metadata?.uid);

    await rsApi().patch('default', 'adopt-orphan', 'merge', { metadata: { labels: { app: 'elsewhere' } } });
    await waitFor('released', async () => {
      const rs = await rsApi().get('default', 'adopt-orphan');
      return (rs.metadata?.ownerReferences ?? []).length === 0;
    });
    // The deployment makes itself a new ReplicaSet for its pods.
    await rolledOut('adopt');
    expect((await replicaSetsOf('adopt')).map((rs) => rs.metadata?.name)).toEqual([
      expect.stringMatching(/^adopt-[bcdfghjklmnpqrstvwxz2456789]+$/),
    ]);
  });
});
