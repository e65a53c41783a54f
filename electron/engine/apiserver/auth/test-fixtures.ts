/** Builders and an in-memory object cache for the auth tests (not used by production code). */
import type { Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../resources/types';
import type { UserInfo } from './user';

/** Namespaced objects by kind, standing in for the API server's watch cache. */
export function makeCache() {
  const objects = new Map<string, KubeObject>();
  const key = (kind: string, ns: string, name: string) => `${kind}/${ns}/${name}`;
  const get = (kind: string) => (ns: string, name: string) => objects.get(key(kind, ns, name));
  const cache = {
    /** Typed objects (Pod, Node…) lack KubeObject's index signature, hence `object`. */
    put(kind: 'Secret' | 'ServiceAccount' | 'Pod' | 'Node', typed: object) {
      const obj = typed as KubeObject;
      objects.set(key(kind, obj.metadata?.namespace ?? '', obj.metadata?.name ?? ''), obj);
      return cache;
    },
    remove(kind: string, ns: string, name: string) {
      objects.delete(key(kind, ns, name));
    },
    lookupSecret: get('Secret'),
    lookupServiceAccount: get('ServiceAccount'),
    lookupPod: get('Pod'),
    /** The authorizer's view: pods by node. */
    authorizerLookup: {
      podsOnNode: (node: string) =>
        [...objects.entries()]
          .filter(([k, o]) => k.startsWith('Pod/') && (o as Pod).spec?.nodeName === node)
          .map(([, o]) => o as Pod),
      pod: (ns: string, name: string) => objects.get(key('Pod', ns, name)) as Pod | undefined,
    },
  };
  return cache;
}

export function serviceAccount(ns: string, name: string, uid: string): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { namespace: ns, name, uid } };
}

/** makePod('web').ns('default').node('n1').secretVolume('tls').obj() */
export function makePod(name: string) {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { containers: [{ name: 'c' }] },
  };
  const spec = pod.spec as NonNullable<Pod['spec']>;
  const container = spec.containers[0] as NonNullable<Pod['spec']>['containers'][number];
  const b = {
    ns: (ns: string) => ((pod.metadata = { ...pod.metadata, namespace: ns }), b),
    uid: (uid: string) => ((pod.metadata = { ...pod.metadata, uid }), b),
    node: (n: string) => ((spec.nodeName = n), b),
    serviceAccount: (sa: string) => ((spec.serviceAccountName = sa), b),
    secretVolume: (s: string) => (
      (spec.volumes = [...(spec.volumes ?? []), { name: `v-${s}`, secret: { secretName: s } }]),
      b
    ),
    configMapVolume: (c: string) => (
      (spec.volumes = [...(spec.volumes ?? []), { name: `v-${c}`, configMap: { name: c } }]),
      b
    ),
    projectedSecret: (s: string) => (
      (spec.volumes = [
        ...(spec.volumes ?? []),
        { name: `p-${s}`, projected: { sources: [{ secret: { name: s } }] } },
      ]),
      b
    ),
    claim: (c: string) => (
      (spec.volumes = [...(spec.volumes ?? []), { name: `c-${c}`, persistentVolumeClaim: { claimName: c } }]),
      b
    ),
    ephemeralVolume: (v: string) => (
      (spec.volumes = [...(spec.volumes ?? []), { name: v, ephemeral: {} }]),
      b
    ),
    envSecret: (s: string) => (
      (container.env = [
        ...(container.env ?? []),
        { name: 'E', valueFrom: { secretKeyRef: { name: s, key: 'k' } } },
      ]),
      b
    ),
    envFromConfigMap: (c: string) => (
      (container.envFrom = [...(container.envFrom ?? []), { configMapRef: { name: c } }]),
      b
    ),
    pullSecret: (s: string) => ((spec.imagePullSecrets = [...(spec.imagePullSecrets ?? []), { name: s }]), b),
    initEnvSecret: (s: string) => (
      (spec.initContainers = [
        { name: 'init', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: s, key: 'k' } } }] },
      ]),
      b
    ),
    labels: (labels: Record<string, string>) => ((pod.metadata = { ...pod.metadata, labels }), b),
    annotations: (annotations: Record<string, string>) => (
      (pod.metadata = { ...pod.metadata, annotations }),
      b
    ),
    owner: (ref: NonNullable<NonNullable<Pod['metadata']>['ownerReferences']>[number]) => (
      (pod.metadata = { ...pod.metadata, ownerReferences: [...(pod.metadata?.ownerReferences ?? []), ref] }),
      b
    ),
    obj: (): Pod => structuredClone(pod),
  };
  return b;
}

export const users = {
  admin: { name: 'pilothouse-admin', groups: ['system:masters', 'system:authenticated'] },
  node: (n: string): UserInfo => ({
    name: `system:node:${n}`,
    groups: ['system:nodes', 'system:authenticated'],
  }),
  bootstrap: { name: 'system:bootstrap:abcdef', groups: ['system:bootstrappers', 'system:authenticated'] },
  serviceAccount: (ns: string, n: string): UserInfo => ({
    name: `system:serviceaccount:${ns}:${n}`,
    uid: 'sa-uid',
    groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'],
  }),
} satisfies Record<string, UserInfo | ((...a: string[]) => UserInfo)>;
