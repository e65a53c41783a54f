/** apps/v1 deployments: `/registry/deployments/<ns>/<name>`. */
import type { Deployment } from 'kubernetes-types/apps/v1';
import { forbidden, invalid, nonNegative, notSupported } from '../../admission/field';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { selectorString } from '../../../../kube/selectors';
import {
  validateReplicas,
  validateSelectorAndTemplate,
  validateSelectorImmutable,
} from '../../admission/workload';
import type { FieldError } from '../types';
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

type D = Obj<Deployment>;

const STRATEGIES = ['Recreate', 'RollingUpdate'];

function isZero(v: string | number | undefined): boolean {
  return v === 0 || v === '0%' || v === '0';
}

function validateDeployment(d: D): FieldError[] {
  const spec = d.spec;
  const errs = [
    ...validateReplicas(spec?.replicas),
    ...validateSelectorAndTemplate(spec?.selector, spec?.template, 'deployment'),
    ...validatePodTemplate(spec?.template, 'spec.template', ['Always']),
    ...nonNegative('spec.revisionHistoryLimit', spec?.revisionHistoryLimit),
    ...nonNegative('spec.minReadySeconds', spec?.minReadySeconds),
  ];
  const strategy = spec?.strategy;
  const type = strategy?.type ?? '';
  if (!STRATEGIES.includes(type)) errs.push(notSupported('spec.strategy.type', type, STRATEGIES));
  if (type === 'Recreate' && strategy?.rollingUpdate) {
    errs.push(
      forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"),
    );
  }
  const ru = strategy?.rollingUpdate;
  if (type === 'RollingUpdate' && ru && isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
    errs.push(
      invalid(
        'spec.strategy.rollingUpdate.maxUnavailable',
        ru.maxUnavailable,
        'may not be 0 when `maxSurge` is 0',
      ),
    );
  }
  const deadline = spec?.progressDeadlineSeconds;
  if (deadline !== undefined && deadline <= (spec?.minReadySeconds ?? 0)) {
    errs.push(invalid('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds'));
  }
  return errs;
}

export const deployments = defineResource<D>({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  singular: 'deployment',
  shortNames: ['deploy'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'deployments',
  status: true,
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    labelSelectorPath: 'spec.selector',
  },
  defaults(d) {
    const spec = (d.spec ??= { selector: {}, template: {} });
    spec.replicas ??= 1;
    const strategy = (spec.strategy ??= {});
    strategy.type ??= 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      const ru = (strategy.rollingUpdate ??= {});
      ru.maxUnavailable ??= '25%';
      ru.maxSurge ??= '25%';
    }
    spec.revisionHistoryLimit ??= 10;
    spec.progressDeadlineSeconds ??= 600;
    defaultPodTemplate(spec.template);
  },
  validate: validator<D>({ namespaced: true }, (d, old) => [
    ...validateDeployment(d),
    ...(old ? validateSelectorImmutable(d.spec?.selector, old.spec?.selector) : []),
  ]),
  columns: [
    col('Ready', 'Number of the pod with ready state'),
    col(
      'Up-to-date',
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ),
    col(
      'Available',
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(d, now) {
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    return [
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      since(d.metadata?.creationTimestamp, now),
      names,
      images,
      selectorString(d.spec?.selector),
    ];
  },
});
