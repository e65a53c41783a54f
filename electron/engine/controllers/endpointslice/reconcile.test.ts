import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { describe, expect, it } from 'vitest';
import { MANAGED_BY, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, planSlices } from './reconcile';

const svc: Service = {
  metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { team: 'a' } },
  spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }] },
};
function pod(i: number, opts: { ready?: boolean; deleting?: boolean; ip?: string } = {}): Pod {
  return {
    metadata: {
      name: `web-${i}`,
      namespace: 'default',
      uid: `uid-${i}`,
      labels: { app: 'web' },
      deletionTimestamp: opts.deleting ? '2024-01-01T00:00:00Z' : undefined,
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }] },
    status: {
      phase: 'Running',
      podIP: opts.ip ?? `10.42.0.${i}`,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}
const pods = (n: number) => Array.from({ length: n }, (_, i) => pod(i + 1));
/** Turns a plan's creations into "existing" slices, as the API server would name them. */
const materialize = (slices: EndpointSlice[]) =>
  slices.map((s, i) => ({ ...s, metadata: { ...s.metadata, name: `web-${i}` } }));

describe('planSlices', () => {
  it.each([
    { n: 0, sizes: [0] },
    { n: 1, sizes: [1] },
    { n: 100, sizes: [100] },
    { n: 101, sizes: [100, 1] },
    { n: 250, sizes: [100, 100, 50] },
  ])('$n pods → slices of $sizes (at most 100 endpoints each)', ({ n, sizes }) => {
    const plan = planSlices(svc, pods(n), []);
    expect(plan.create.map((s) => s.endpoints?.length)).toEqual(sizes);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
  });

  it('labels, owns and describes slices as the EndpointSlice controller does', () => {
    const [slice] = planSlices(
      svc,
      [pod(1), pod(2, { ready: false }), pod(3, { deleting: true })],
      [],
    ).create;
    expect(slice?.metadata?.labels).toEqual({
      team: 'a',
      [SERVICE_NAME_LABEL]: 'web',
      [MANAGED_BY_LABEL]: MANAGED_BY,
    });
    expect(slice?.metadata?.generateName).toBe('web-');
    expect(slice?.metadata?.ownerReferences).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'web',
        uid: 'svc-uid',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(slice?.addressType).toBe('IPv4');
    expect(slice?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(slice?.endpoints?.map((e) => [e.addresses?.[0], e.conditions])).toEqual([
      ['10.42.0.1', { ready: true, serving: true, terminating: false }],
      ['10.42.0.2', { ready: false, serving: false, terminating: false }],
      ['10.42.0.3', { ready: false, serving: true, terminating: true }],
    ]);
    expect(slice?.endpoints?.[0]).toMatchObject({
      nodeName: 'n1',
      targetRef: { kind: 'Pod', name: 'web-1' },
    });
  });

  it('writes nothing in a steady state, and fills existing slices before making new ones', () => {
    const existing = materialize(planSlices(svc, pods(150), []).create);
    expect(planSlices(svc, pods(150), existing)).toEqual({ create: [], update: [], delete: [] });
    // Remove ten pods from the first slice, add ten new ones: they go into the room made.
    const next = [...pods(150).slice(10), ...Array.from({ length: 10 }, (_, i) => pod(200 + i))];
    const plan = planSlices(svc, next, existing);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update.map((s) => [s.metadata?.name, s.endpoints?.length])).toEqual([['web-0', 100]]);
  });

  it('deletes emptied slices but keeps one empty placeholder when no endpoint is left', () => {
    const existing = materialize(planSlices(svc, pods(150), []).create);
    const plan = planSlices(svc, [], existing);
    expect(plan.create).toEqual([]);
    expect(plan.delete.map((s) => s.metadata?.name)).toEqual(['web-1']);
    expect(plan.update.map((s) => [s.metadata?.name, s.endpoints, s.ports])).toEqual([['web-0', [], []]]);
  });

  it('publishNotReadyAddresses makes every endpoint ready; a pod without IP or finished is left out', () => {
    const publish: Service = { ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } };
    const done: Pod = { ...pod(3), status: { ...pod(3).status, phase: 'Succeeded' } };
    const noIP: Pod = { ...pod(4), status: { phase: 'Pending' } };
    const [slice] = planSlices(
      publish,
      [pod(1, { ready: false }), pod(2, { deleting: true }), done, noIP],
      [],
    ).create;
    expect(slice?.endpoints?.map((e) => e.conditions?.ready)).toEqual([true, true]);
  });
});
