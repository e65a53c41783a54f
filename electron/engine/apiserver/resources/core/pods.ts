/** core/v1 pods: `/registry/pods/<ns>/<name>`. */
import type { Pod } from 'kubernetes-types/core/v1';
import { defaultPod } from '../../admission/pod';
import { validatePodSpecUpdate } from '../../admission/pod-update';
import { validatePodSpec } from '../../admission/podspec';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col } from '../printers';
import { podRow } from './pod-printer';

type P = Obj<Pod>;

export const pods = defineResource<P>({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  singular: 'pod',
  shortNames: ['po'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'pods',
  status: true,
  // Pods have no metadata.generation in Kubernetes despite having a status subresource.
  generation: false,
  special: ['binding', 'eviction', 'log', 'exec', 'attach', 'portforward', 'proxy'],
  defaults: defaultPod,
  validate: validator<P>({ namespaced: true }, (pod, old) => [
    ...validatePodSpec(pod.spec, 'spec'),
    ...(old ? validatePodSpecUpdate(pod, old) : []),
  ]),
  fieldSelectors: {
    'spec.nodeName': (p) => p.spec?.nodeName ?? '',
    'spec.restartPolicy': (p) => p.spec?.restartPolicy ?? '',
    'spec.schedulerName': (p) => p.spec?.schedulerName ?? '',
    'spec.serviceAccountName': (p) => p.spec?.serviceAccountName ?? '',
    'spec.hostNetwork': (p) => String(p.spec?.hostNetwork ?? false),
    'status.phase': (p) => p.status?.phase ?? '',
    'status.podIP': (p) => p.status?.podIPs?.[0]?.ip ?? p.status?.podIP ?? '',
    'status.nominatedNodeName': (p) => p.status?.nominatedNodeName ?? '',
  },
  columns: [
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.'),
    col('Status', 'The aggregate status of the containers in this pod.'),
    col(
      'Restarts',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    AGE_COLUMN,
    col('IP', 'IP address allocated to the pod. Routable at least within the cluster.', { wide: true }),
    col('Node', 'The node the pod is bound to.', { wide: true }),
    col('Nominated Node', 'The node the scheduler nominated for this pod after preempting others.', {
      wide: true,
    }),
    col('Readiness Gates', 'Readiness gates met out of those the pod declares.', { wide: true }),
  ],
  row: podRow,
});
