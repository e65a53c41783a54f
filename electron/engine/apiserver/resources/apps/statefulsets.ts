/** apps/v1 statefulsets: `/registry/statefulsets/<ns>/<name>`. */
import type { StatefulSet } from 'kubernetes-types/apps/v1';
import { deepEqual, forbidden, nonNegative, notSupported } from '../../admission/field';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { validateReplicas, validateSelectorAndTemplate } from '../../admission/workload';
import type { FieldError } from '../types';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN, col, containerCells, since } from '../printers';

type SS = Obj<StatefulSet>;

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'];
const UPDATE_STRATEGIES = ['OnDelete', 'RollingUpdate'];
/** The spec fields ValidateStatefulSetUpdate lets change. */
const UPDATABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function validateSpec(ss: SS): FieldError[] {
  const spec = ss.spec;
  const errs = [
    ...validateReplicas(spec?.replicas),
    ...nonNegative('spec.minReadySeconds', spec?.minReadySeconds),
    ...validateSelectorAndTemplate(spec?.selector, spec?.template, 'statefulset'),
    ...validatePodTemplate(spec?.template, 'spec.template', ['Always']),
  ];
  const pmp = spec?.podManagementPolicy ?? '';
  if (!POD_MANAGEMENT.includes(pmp)) errs.push(notSupported('spec.podManagementPolicy', pmp, POD_MANAGEMENT));
  const type = spec?.updateStrategy?.type ?? '';
  if (!UPDATE_STRATEGIES.includes(type))
    errs.push(notSupported('spec.updateStrategy.type', type, UPDATE_STRATEGIES));
  if (type === 'OnDelete' && spec?.updateStrategy?.rollingUpdate) {
    errs.push(
      forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"),
    );
  }
  return errs;
}

function validateUpdate(ss: SS, old: SS): FieldError[] {
  const strip = (s: SS['spec']) =>
    Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !UPDATABLE.includes(k)));
  return deepEqual(strip(ss.spec), strip(old.spec))
    ? []
    : [
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      ];
}

export const statefulsets = defineResource<SS>({
  group: 'apps',
  version: 'v1',
  kind: 'StatefulSet',
  plural: 'statefulsets',
  singular: 'statefulset',
  shortNames: ['sts'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'statefulsets',
  status: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    labelSelectorPath: 'spec.selector',
  },
  defaults(ss) {
    const spec = (ss.spec ??= { selector: {}, serviceName: '', template: {} });
    spec.podManagementPolicy ??= 'OrderedReady';
    const strategy = (spec.updateStrategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') (strategy.rollingUpdate ??= {}).partition ??= 0;
    spec.replicas ??= 1;
    spec.revisionHistoryLimit ??= 10;
    const retention = (spec.persistentVolumeClaimRetentionPolicy ??= {});
    retention.whenDeleted ??= 'Retain';
    retention.whenScaled ??= 'Retain';
    for (const claim of spec.volumeClaimTemplates ?? []) {
      (claim.spec ??= {}).volumeMode ??= 'Filesystem';
      const status = ((claim as { status?: { phase?: string } }).status ??= {});
      status.phase ??= 'Pending';
    }
    defaultPodTemplate(spec.template);
  },
  validate: validator<SS>({ namespaced: true }, (ss, old) => [
    ...validateSpec(ss),
    ...(old ? validateUpdate(ss, old) : []),
  ]),
  columns: [col('Ready', 'Number of the pod with ready state'), AGE_COLUMN, CONTAINERS_COLUMN, IMAGES_COLUMN],
  row(ss, now) {
    const [names, images] = containerCells(ss.spec?.template?.spec?.containers);
    return [
      `${ss.status?.readyReplicas ?? 0}/${ss.spec?.replicas ?? 0}`,
      since(ss.metadata?.creationTimestamp, now),
      names,
      images,
    ];
  },
});
