/** apps/v1 replicasets: `/registry/replicasets/<ns>/<name>`. */
import type { ReplicaSet } from 'kubernetes-types/apps/v1';
import { nonNegative } from '../../admission/field';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { formatLabelSelector } from '../../../../kube/selectors';
import {
  validateReplicas,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from '../../admission/workload';
import { defineResource, validator, type Obj } from '../define';
import {
  AGE_COLUMN,
  CONTAINERS_COLUMN,
  IMAGES_COLUMN,
  SELECTOR_COLUMN,
  col,
  containerCells,
  since,
} from '../printers';

type RS = Obj<ReplicaSet>;

export const replicasets = defineResource<RS>({
  group: 'apps',
  version: 'v1',
  kind: 'ReplicaSet',
  plural: 'replicasets',
  singular: 'replicaset',
  shortNames: ['rs'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'replicasets',
  status: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    labelSelectorPath: 'spec.selector',
  },
  defaults(rs) {
    const spec = (rs.spec ??= { selector: {} });
    spec.replicas ??= 1;
    defaultPodTemplate(spec.template);
  },
  validate: validator<RS>({ namespaced: true }, (rs, old) => [
    ...validateReplicas(rs.spec?.replicas),
    ...nonNegative('spec.minReadySeconds', rs.spec?.minReadySeconds),
    // Kubernetes' ReplicaSet validation words this with "deployment" too.
    ...validateSelectorAndTemplate(rs.spec?.selector, rs.spec?.template, 'deployment'),
    ...validatePodTemplate(rs.spec?.template, 'spec.template', ['Always']),
    ...(old ? validateSelectorImmutable(rs.spec?.selector, old.spec?.selector) : []),
  ]),
  fieldSelectors: { 'status.replicas': (rs) => String(rs.status?.replicas ?? 0) },
  columns: [
    col('Desired', 'Replicas is the number of desired pods.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of non-terminating pods.', {
      type: 'integer',
    }),
    col('Ready', 'The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition.', {
      type: 'integer',
    }),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(rs, now) {
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      since(rs.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
});
