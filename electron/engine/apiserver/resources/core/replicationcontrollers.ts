/** core/v1 replicationcontrollers: `/registry/controllers/<ns>/<name>`. */
import type { ReplicationController } from 'kubernetes-types/core/v1';
import { invalid, required } from '../../admission/field';
import { validateLabels } from '../../admission/meta';
import { defaultPodTemplate, validatePodTemplate } from '../../admission/podspec';
import { formatLabels, selectorMatches } from '../../../../kube/selectors';
import { validateReplicas } from '../../admission/workload';
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

type RC = Obj<ReplicationController>;

function validateRC(rc: RC): FieldError[] {
  const spec = rc.spec ?? {};
  const errs = validateReplicas(spec.replicas);
  const selector = spec.selector ?? {};
  if (Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  if (!spec.template) errs.push(required('spec.template'));
  else {
    if (
      Object.keys(selector).length > 0 &&
      !selectorMatches({ matchLabels: selector }, spec.template.metadata?.labels)
    ) {
      errs.push(
        invalid(
          'spec.template.metadata.labels',
          spec.template.metadata?.labels ?? {},
          '`selector` does not match template `labels`',
        ),
      );
    }
    errs.push(...validatePodTemplate(spec.template, 'spec.template', ['Always']));
  }
  return errs;
}

export const replicationcontrollers = defineResource<RC>({
  group: '',
  version: 'v1',
  kind: 'ReplicationController',
  plural: 'replicationcontrollers',
  singular: 'replicationcontroller',
  shortNames: ['rc'],
  categories: ['all'],
  namespaced: true,
  storagePrefix: 'controllers',
  status: true,
  // A ReplicationController's selector is a plain label map, not a LabelSelector.
  scale: {
    specReplicasPath: 'spec.replicas',
    statusReplicasPath: 'status.replicas',
    labelSelectorPath: 'spec.selector',
  },
  defaults(rc) {
    const spec = (rc.spec ??= {});
    const templateLabels = spec.template?.metadata?.labels;
    // SetDefaults_ReplicationController: selector and labels default to the template's labels.
    if (templateLabels && Object.keys(templateLabels).length > 0) {
      if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...templateLabels };
      rc.metadata ??= {};
      if (!rc.metadata.labels || Object.keys(rc.metadata.labels).length === 0)
        rc.metadata.labels = { ...templateLabels };
    }
    spec.replicas ??= 1;
    defaultPodTemplate(spec.template);
  },
  validate: validator<RC>({ namespaced: true }, (rc) => validateRC(rc)),
  fieldSelectors: { 'status.replicas': (rc) => String(rc.status?.replicas ?? 0) },
  columns: [
    col('Desired', 'Replicas is the number of desired replicas.', { type: 'integer' }),
    col('Current', 'Replicas is the most recently observed number of replicas.', { type: 'integer' }),
    col('Ready', 'The number of ready replicas for this replication controller.', { type: 'integer' }),
    AGE_COLUMN,
    CONTAINERS_COLUMN,
    IMAGES_COLUMN,
    SELECTOR_COLUMN,
  ],
  row(rc, now) {
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return [
      rc.spec?.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      since(rc.metadata?.creationTimestamp, now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
});
