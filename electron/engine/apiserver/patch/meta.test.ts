import { describe, expect, it } from 'vitest';
import { type FieldPatchMeta, type PatchMetaNode, knownPatchMetaKinds, patchMetaFor } from './meta';

/** Walks `a.b[].c` ( `[]` steps into list elements). */
function nodeAt(root: PatchMetaNode, path: string): PatchMetaNode | undefined {
  let node: PatchMetaNode | undefined = root;
  for (const part of path.split('.')) {
    const list = part.endsWith('[]');
    const name = list ? part.slice(0, -2) : part;
    node = node?.fields?.[name];
    if (list) node = node?.items;
  }
  return node;
}

const merge = (key: string, mapKeys = [key], strategy: FieldPatchMeta['patchStrategy'] = 'merge') => ({
  patchStrategy: strategy,
  patchMergeKey: key,
  listType: 'map',
  listMapKeys: mapKeys,
});
const atomic = { listType: 'atomic' };

// Facts from the k8s.io/api v1.30 struct tags and markers.
const facts: [string, string, string, object][] = [
  ['', 'Pod', 'metadata.finalizers', { patchStrategy: 'merge', listType: 'set' }],
  ['', 'Pod', 'metadata.ownerReferences', merge('uid')],
  ['', 'Pod', 'metadata.managedFields', atomic],
  ['', 'Pod', 'spec.containers', merge('name')],
  ['', 'Pod', 'spec.initContainers', merge('name')],
  ['', 'Pod', 'spec.ephemeralContainers', merge('name')],
  ['', 'Pod', 'spec.volumes', merge('name', ['name'], 'merge,retainKeys')],
  ['', 'Pod', 'spec.imagePullSecrets', merge('name')],
  ['', 'Pod', 'spec.hostAliases', merge('ip')],
  ['', 'Pod', 'spec.tolerations', atomic],
  ['', 'Pod', 'spec.nodeSelector', { mapType: 'atomic' }],
  ['', 'Pod', 'spec.topologySpreadConstraints', merge('topologyKey', ['topologyKey', 'whenUnsatisfiable'])],
  ['', 'Pod', 'spec.containers[].ports', merge('containerPort', ['containerPort', 'protocol'])],
  ['', 'Pod', 'spec.containers[].env', merge('name')],
  ['', 'Pod', 'spec.containers[].volumeMounts', merge('mountPath')],
  ['', 'Pod', 'spec.containers[].volumeDevices', merge('devicePath')],
  ['', 'Pod', 'spec.containers[].resizePolicy', atomic],
  ['', 'Pod', 'spec.containers[].command', atomic],
  ['', 'Pod', 'spec.ephemeralContainers[].env', merge('name')],
  ['', 'Pod', 'spec.volumes[].configMap.items', atomic],
  ['', 'Pod', 'status.conditions', merge('type')],
  ['', 'Pod', 'status.podIPs', merge('ip')],
  ['', 'Pod', 'status.hostIPs', { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' }],
  ['', 'Pod', 'status.containerStatuses', atomic],
  ['', 'Service', 'spec.ports', merge('port', ['port', 'protocol'])],
  ['', 'Service', 'spec.selector', { mapType: 'atomic' }],
  ['', 'Service', 'status.conditions', merge('type')],
  ['', 'Node', 'spec.podCIDRs', { patchStrategy: 'merge', listType: 'set' }],
  ['', 'Node', 'spec.taints', atomic],
  ['', 'Node', 'status.addresses', merge('type')],
  ['', 'Node', 'status.conditions', merge('type')],
  ['', 'Node', 'status.images', atomic],
  ['', 'Endpoints', 'subsets', atomic],
  ['', 'ServiceAccount', 'secrets', merge('name')],
  ['', 'ServiceAccount', 'imagePullSecrets', atomic],
  ['', 'PersistentVolumeClaim', 'status.conditions', merge('type')],
  ['', 'PersistentVolume', 'spec.claimRef', { mapType: 'granular' }],
  ['', 'ReplicationController', 'spec.selector', { mapType: 'atomic' }],
  ['', 'Namespace', 'spec.finalizers', atomic],
  ['apps', 'Deployment', 'spec.strategy', { patchStrategy: 'retainKeys' }],
  ['apps', 'Deployment', 'spec.selector', { mapType: 'atomic' }],
  ['apps', 'Deployment', 'spec.template.spec.containers', merge('name')],
  ['apps', 'Deployment', 'status.conditions', merge('type')],
  ['apps', 'StatefulSet', 'spec.volumeClaimTemplates', atomic],
  ['apps', 'DaemonSet', 'spec.template.metadata.finalizers', { patchStrategy: 'merge', listType: 'set' }],
  ['apps', 'ReplicaSet', 'status.conditions', merge('type')],
  [
    'batch',
    'Job',
    'status.conditions',
    { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' },
  ],
  ['batch', 'CronJob', 'spec.jobTemplate.spec.template.spec.containers[].env', merge('name')],
  ['batch', 'CronJob', 'status.active', atomic],
  ['discovery.k8s.io', 'EndpointSlice', 'endpoints', atomic],
  ['discovery.k8s.io', 'EndpointSlice', 'endpoints[].addresses', { listType: 'set' }],
];

describe('patchMetaFor', () => {
  it.each(facts)('%s/%s %s', (group, kind, path, meta) => {
    expect(nodeAt(patchMetaFor(group, kind), path)?.meta).toEqual(meta);
  });

  it('mounts one PodSpec under every pod template', () => {
    const podSpec = nodeAt(patchMetaFor('', 'Pod'), 'spec');
    expect(podSpec).toBeDefined();
    for (const [group, kind, path] of [
      ['apps', 'Deployment', 'spec.template.spec'],
      ['apps', 'ReplicaSet', 'spec.template.spec'],
      ['apps', 'StatefulSet', 'spec.template.spec'],
      ['apps', 'DaemonSet', 'spec.template.spec'],
      ['', 'ReplicationController', 'spec.template.spec'],
      ['batch', 'Job', 'spec.template.spec'],
      ['batch', 'CronJob', 'spec.jobTemplate.spec.template.spec'],
    ] as const) {
      expect(nodeAt(patchMetaFor(group, kind), path), `${group}/${kind}`).toBe(podSpec);
    }
  });

  it('covers every served kind, each with ObjectMeta', () => {
    const served = [
      '/Namespace',
      '/Node',
      '/Pod',
      '/Service',
      '/Endpoints',
      '/ConfigMap',
      '/Secret',
      '/ServiceAccount',
      '/Event',
      '/PersistentVolume',
      '/PersistentVolumeClaim',
      '/ReplicationController',
      'apps/Deployment',
      'apps/ReplicaSet',
      'apps/StatefulSet',
      'apps/DaemonSet',
      'apps/ControllerRevision',
      'batch/Job',
      'batch/CronJob',
      'coordination.k8s.io/Lease',
      'discovery.k8s.io/EndpointSlice',
      'events.k8s.io/Event',
      'scheduling.k8s.io/PriorityClass',
    ];
    expect(knownPatchMetaKinds().sort()).toEqual(served.sort());
    const objectMeta = nodeAt(patchMetaFor('', 'Pod'), 'metadata');
    for (const key of served) {
      const [group = '', kind = ''] = key.split('/');
      expect(nodeAt(patchMetaFor(group, kind), 'metadata'), key).toBe(objectMeta);
    }
  });

  it('answers {} for unknown kinds and for a kind in the wrong group', () => {
    expect(patchMetaFor('example.com', 'Widget')).toEqual({});
    expect(patchMetaFor('apps', 'Pod')).toEqual({});
  });

  it('is frozen, so no caller can change what every other caller reads', () => {
    const pod = patchMetaFor('', 'Pod');
    expect(Object.isFrozen(pod)).toBe(true);
    expect(Object.isFrozen(nodeAt(pod, 'spec.containers')?.meta)).toBe(true);
    expect(Object.isFrozen(nodeAt(pod, 'spec.containers[].ports')?.meta?.listMapKeys)).toBe(true);
  });
});
