/** core/v1 namespaces: `/registry/namespaces/<name>`. */
import type { Namespace } from 'kubernetes-types/core/v1';
import { invalid } from '../../admission/field';
import { isQualifiedName, nameIsDNSLabel } from '../../admission/names';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type N = Obj<Namespace>;

/** The finalizer the namespace controller removes once the namespace's content is gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';
/** Label Kubernetes sets on every namespace to its own name (so selectors can pick namespaces). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export const namespaces = defineResource<N>({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  singular: 'namespace',
  shortNames: ['ns'],
  namespaced: false,
  storagePrefix: 'namespaces',
  status: true,
  generation: false,
  special: ['finalize'],
  defaults(ns) {
    const name = ns.metadata?.name;
    // SetDefaults_Namespace: the name label always mirrors the name.
    if (name) {
      ns.metadata ??= {};
      ns.metadata.labels = { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: name };
    }
    ns.spec ??= {};
    ns.spec.finalizers ??= [NAMESPACE_FINALIZER];
    ns.status ??= {};
    ns.status.phase ??= 'Active';
  },
  validate: validator<N>({ namespaced: false, name: nameIsDNSLabel }, (ns) =>
    (ns.spec?.finalizers ?? []).flatMap((f, i) => {
      const path = `spec.finalizers[${i}]`;
      const errs = isQualifiedName(f).map((m) => invalid(path, f, m));
      if (errs.length === 0 && f !== NAMESPACE_FINALIZER && !f.includes('/')) {
        errs.push(invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
      }
      return errs;
    }),
  ),
  fieldSelectors: { 'status.phase': (ns) => ns.status?.phase ?? '' },
  columns: [col('Status', 'The status of the namespace'), AGE_COLUMN],
  row: (ns, now) => [ns.status?.phase ?? '', since(ns.metadata?.creationTimestamp, now)],
});
