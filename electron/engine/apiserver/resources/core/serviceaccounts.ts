/** core/v1 serviceaccounts: `/registry/serviceaccounts/<ns>/<name>`, with the token subresource. */
import type { ServiceAccount } from 'kubernetes-types/core/v1';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type SA = Obj<ServiceAccount>;

export const serviceaccounts = defineResource<SA>({
  group: '',
  version: 'v1',
  kind: 'ServiceAccount',
  plural: 'serviceaccounts',
  singular: 'serviceaccount',
  shortNames: ['sa'],
  namespaced: true,
  storagePrefix: 'serviceaccounts',
  special: ['token'],
  validate: validator<SA>({ namespaced: true }),
  columns: [col('Secrets', 'The number of secrets the service account references.'), AGE_COLUMN],
  row: (sa, now) => [(sa.secrets ?? []).length, since(sa.metadata?.creationTimestamp, now)],
});
