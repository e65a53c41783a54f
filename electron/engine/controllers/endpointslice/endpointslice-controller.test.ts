import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../../kube/resources';
import { setPodState } from '../job/test-pods';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { endpointSliceController } from './endpointslice-controller';
import { MANAGED_BY, SERVICE_NAME_LABEL } from './reconcile';

const NS = 'default';
let t: ControllerTest;
const pods = () => t.client.resource<Pod>(R.pods);
const services = () => t.client.resource<Service>(R.services);

beforeAll(async () => {
  // Small slices, so a handful of pods shows the split Kubernetes makes at 100.
  t = await startControllerTest([endpointSliceController({ maxEndpointsPerSlice: 3 })]);
});
afterAll(async () => {
  await t.stop();
});

async function runPod(name: string, app: string, ip: string, ready: boolean) {
  await pods().create(NS, {
    metadata: { name, labels: { app } },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'busybox', ports: [{ name: 'http', containerPort: 8080 }] }],
    },
  });
  await setPodState(t.client, NS, name, { phase: 'Running', podIP: ip, ready });
}
async function slicesOf(svc: string): Promise<EndpointSlice[]> {
  const list = await t.client
    .resource<EndpointSlice>(R.endpointslices)
    .list(NS, { labelSelector: `${SERVICE_NAME_LABEL}=${svc}` });
  return list.items;
}
const endpointsOf = (slices: EndpointSlice[]) =>
  slices
    .flatMap((s) => s.endpoints ?? [])
    .sort((a, b) => ((a.addresses?.[0] ?? '') < (b.addresses?.[0] ?? '') ? -1 : 1));

describe('endpointslice controller', () => {
  it('slices a Service’s pods with ready/serving/terminating conditions that follow the pods', async () => {
    await runPod('api-1', 'api', '10.42.0.11', true);
    await runPod('api-2', 'api', '10.42.0.12', false);
    await services().create(NS, {
      metadata: { name: 'api' },
      spec: { selector: { app: 'api' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    const slices = await waitFor('a slice with two endpoints', async () => {
      const s = await slicesOf('api');
      return endpointsOf(s).length === 2 ? s : undefined;
    });
    expect(slices).toHaveLength(1);
    const slice = slices[0] as EndpointSlice;
    expect(slice.metadata?.labels?.['endpointslice.kubernetes.io/managed-by']).toBe(MANAGED_BY);
    expect(slice.metadata?.name).toMatch(/^api-/);
    expect(slice.metadata?.ownerReferences?.[0]).toMatchObject({
      kind: 'Service',
      name: 'api',
      controller: true,
    });
    expect(slice.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(endpointsOf(slices).map((e) => e.conditions)).toEqual([
      { ready: true, serving: true, terminating: false },
      { ready: false, serving: false, terminating: false },
    ]);
    await setPodState(t.client, NS, 'api-2', { ready: true });
    await waitFor(
      'api-2 ready',
      async () => endpointsOf(await slicesOf('api'))[1]?.conditions?.ready === true,
    );
    // A terminating pod (held by a finalizer) stays listed, not ready but serving.
    await pods().patch(NS, 'api-1', 'merge', { metadata: { finalizers: ['example.com/hold'] } });
    await pods().delete(NS, 'api-1', { gracePeriodSeconds: 0 });
    await waitFor('api-1 terminating', async () => {
      const c = endpointsOf(await slicesOf('api'))[0]?.conditions;
      return c?.terminating === true && c.ready === false && c.serving === true;
    });
    await pods().patch(NS, 'api-1', 'merge', { metadata: { finalizers: null } });
    await waitFor('api-1 gone', async () => endpointsOf(await slicesOf('api')).length === 1);
    expect(await slicesOf('api')).toHaveLength(1);
  });

  it('splits at the per-slice maximum and never duplicates slices while its cache catches up', async () => {
    await services().create(NS, {
      metadata: { name: 'many' },
      spec: { selector: { app: 'many' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    });
    await Promise.all(
      Array.from({ length: 7 }, (_, i) => runPod(`many-${i}`, 'many', `10.42.1.${i + 1}`, true)),
    );
    const slices = await waitFor('7 endpoints', async () => {
      const s = await slicesOf('many');
      return endpointsOf(s).length === 7 ? s : undefined;
    });
    // Give late syncs their chance to do something wrong.
    await new Promise((r) => setTimeout(r, 300));
    const settled = await slicesOf('many');
    expect(endpointsOf(settled).map((e) => e.addresses?.[0])).toEqual(
      endpointsOf(slices).map((e) => e.addresses?.[0]),
    );
    expect(settled.every((s) => (s.endpoints ?? []).length <= 3)).toBe(true);
    expect(settled.length).toBe(3);
  });

  it('keeps one empty placeholder slice for a Service with no pods; ignores selector-less Services', async () => {
    await services().create(NS, {
      metadata: { name: 'empty' },
      spec: { selector: { app: 'nobody' }, ports: [{ port: 80 }] },
    });
    await services().create(NS, { metadata: { name: 'external' }, spec: { ports: [{ port: 80 }] } });
    const [placeholder] = await waitFor('placeholder', async () => {
      const s = await slicesOf('empty');
      return s.length === 1 ? s : undefined;
    });
    expect(placeholder?.endpoints ?? []).toEqual([]);
    expect(await slicesOf('external')).toEqual([]);
  });
});
