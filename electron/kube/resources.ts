/** The resources Pilothouse's components talk to, as ResourceRefs for KubeClient.resource(). */
import type { ResourceRef } from './types';

const core = (plural: string, kind: string, namespaced = true): ResourceRef => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
});
const grouped = (
  group: string,
  version: string,
  plural: string,
  kind: string,
  namespaced = true,
): ResourceRef => ({
  group,
  version,
  plural,
  kind,
  namespaced,
});

export const R = {
  namespaces: core('namespaces', 'Namespace', false),
  nodes: core('nodes', 'Node', false),
  pods: core('pods', 'Pod'),
  services: core('services', 'Service'),
  endpoints: core('endpoints', 'Endpoints'),
  configmaps: core('configmaps', 'ConfigMap'),
  secrets: core('secrets', 'Secret'),
  serviceaccounts: core('serviceaccounts', 'ServiceAccount'),
  events: core('events', 'Event'),
  persistentvolumes: core('persistentvolumes', 'PersistentVolume', false),
  persistentvolumeclaims: core('persistentvolumeclaims', 'PersistentVolumeClaim'),
  replicationcontrollers: core('replicationcontrollers', 'ReplicationController'),
  deployments: grouped('apps', 'v1', 'deployments', 'Deployment'),
  replicasets: grouped('apps', 'v1', 'replicasets', 'ReplicaSet'),
  statefulsets: grouped('apps', 'v1', 'statefulsets', 'StatefulSet'),
  daemonsets: grouped('apps', 'v1', 'daemonsets', 'DaemonSet'),
  controllerrevisions: grouped('apps', 'v1', 'controllerrevisions', 'ControllerRevision'),
  jobs: grouped('batch', 'v1', 'jobs', 'Job'),
  cronjobs: grouped('batch', 'v1', 'cronjobs', 'CronJob'),
  leases: grouped('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  endpointslices: grouped('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice'),
  priorityclasses: grouped('scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false),
} satisfies Record<string, ResourceRef>;

/** The ResourceRef for an apiVersion + kind (as in ownerReferences), if it is one of R. */
export function refForKind(apiVersion: string, kind: string): ResourceRef | undefined {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return Object.values(R).find((r) => r.kind === kind && r.group === group && r.version === version);
}
