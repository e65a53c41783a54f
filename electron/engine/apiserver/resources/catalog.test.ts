import { describe, expect, it } from 'vitest';
import { ALL_RESOURCES } from './index';
import { groupVersion, type ResourceDefinition } from './types';

const find = (gv: string, plural: string): ResourceDefinition | undefined =>
  ALL_RESOURCES.find((r) => groupVersion(r) === gv && r.plural === plural);

describe('ALL_RESOURCES', () => {
  it.each([
    ['v1', 'namespaces', 'namespaces', false, ['ns'], true, ['finalize']],
    ['v1', 'nodes', 'minions', false, ['no'], true, ['proxy']],
    [
      'v1',
      'pods',
      'pods',
      true,
      ['po'],
      true,
      ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'],
    ],
    ['v1', 'services', 'services/specs', true, ['svc'], true, ['proxy']],
    ['v1', 'endpoints', 'services/endpoints', true, ['ep'], false, undefined],
    ['v1', 'configmaps', 'configmaps', true, ['cm'], false, undefined],
    ['v1', 'secrets', 'secrets', true, undefined, false, undefined],
    ['v1', 'serviceaccounts', 'serviceaccounts', true, ['sa'], false, ['token']],
    ['v1', 'events', 'events', true, ['ev'], false, undefined],
    ['v1', 'persistentvolumes', 'persistentvolumes', false, ['pv'], true, undefined],
    ['v1', 'persistentvolumeclaims', 'persistentvolumeclaims', true, ['pvc'], true, undefined],
    ['v1', 'replicationcontrollers', 'controllers', true, ['rc'], true, undefined],
    ['apps/v1', 'deployments', 'deployments', true, ['deploy'], true, undefined],
    ['apps/v1', 'replicasets', 'replicasets', true, ['rs'], true, undefined],
    ['apps/v1', 'statefulsets', 'statefulsets', true, ['sts'], true, undefined],
    ['apps/v1', 'daemonsets', 'daemonsets', true, ['ds'], true, undefined],
    ['apps/v1', 'controllerrevisions', 'controllerrevisions', true, undefined, false, undefined],
    ['batch/v1', 'jobs', 'jobs', true, undefined, true, undefined],
    ['batch/v1', 'cronjobs', 'cronjobs', true, ['cj'], true, undefined],
    ['coordination.k8s.io/v1', 'leases', 'leases', true, undefined, false, undefined],
    ['discovery.k8s.io/v1', 'endpointslices', 'endpointslices', true, undefined, false, undefined],
    ['events.k8s.io/v1', 'events', 'events', true, ['ev'], false, undefined],
  ])('%s %s', (gv, plural, prefix, namespaced, shortNames, status, special) => {
    const def = find(gv, plural);
    expect(def).toBeDefined();
    expect(def?.storagePrefix).toBe(prefix);
    expect(def?.namespaced).toBe(namespaced);
    expect(def?.shortNames).toEqual(shortNames);
    expect(Boolean(def?.status)).toBe(status);
    expect(def?.special).toEqual(special);
  });

  it('puts the workloads kubectl lists under `get all` in the all category', () => {
    const all = ALL_RESOURCES.filter((r) => r.categories?.includes('all')).map((r) => r.plural);
    expect(all.sort()).toEqual(
      [
        'cronjobs',
        'daemonsets',
        'deployments',
        'jobs',
        'pods',
        'replicasets',
        'replicationcontrollers',
        'services',
        'statefulsets',
      ].sort(),
    );
  });

  it('declares the scale subresource where Kubernetes has it', () => {
    const scaled = ALL_RESOURCES.filter((r) => r.scale).map((r) => r.plural);
    expect(scaled.sort()).toEqual(['deployments', 'replicasets', 'replicationcontrollers', 'statefulsets']);
  });

  it('has unique group/version/plural and a row cell for every column', () => {
    const keys = ALL_RESOURCES.map((r) => `${groupVersion(r)}/${r.plural}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const def of ALL_RESOURCES) {
      const obj = {
        apiVersion: groupVersion(def),
        kind: def.kind,
        metadata: { name: 'x', namespace: 'default' },
      };
      def.defaults?.(obj);
      expect(def.row?.(obj, Date.now()), def.plural).toHaveLength(def.columns?.length ?? -1);
    }
  });

  it('has idempotent defaults', () => {
    for (const def of ALL_RESOURCES) {
      const obj = {
        apiVersion: groupVersion(def),
        kind: def.kind,
        metadata: { name: 'x', namespace: 'default', uid: 'u1' },
        spec: {
          template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
        },
      };
      def.defaults?.(obj);
      const once = structuredClone(obj);
      def.defaults?.(obj);
      expect(obj, def.plural).toEqual(once);
    }
  });
});
