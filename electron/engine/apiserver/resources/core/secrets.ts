/**
 * core/v1 secrets: `/registry/secrets/<ns>/<name>`. `stringData` is merged into `data` (base64)
 * on write, as Kubernetes' v1 conversion does, so it is never stored.
 */
import type { Secret } from 'kubernetes-types/core/v1';
import type { FieldError } from '../types';
import { invalid, immutable, required } from '../../admission/field';
import { isConfigMapKey } from '../../admission/names';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';
import { MAX_DATA_SIZE, validateImmutableData } from './configmaps';

type S = Obj<Secret>;

/** Data keys each built-in secret type must carry (ValidateSecret). */
const REQUIRED_KEYS: Record<string, string[]> = {
  'kubernetes.io/dockercfg': ['.dockercfg'],
  'kubernetes.io/dockerconfigjson': ['.dockerconfigjson'],
  'kubernetes.io/ssh-auth': ['ssh-privatekey'],
  'kubernetes.io/tls': ['tls.key', 'tls.crt'],
};

function validateSecret(secret: S): FieldError[] {
  const errs: FieldError[] = [];
  const data = secret.data ?? {};
  let total = 0;
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, m));
    total += Buffer.from(String(value), 'base64').length;
  }
  if (total > MAX_DATA_SIZE) {
    errs.push({
      field: 'data',
      type: 'FieldValueTooLong',
      message: `Too long: may not be more than ${MAX_DATA_SIZE} bytes`,
    });
  }
  const type = secret.type ?? 'Opaque';
  for (const key of REQUIRED_KEYS[type] ?? []) {
    if (!Object.hasOwn(data, key)) errs.push(required(`data[${key}]`));
  }
  if (
    type === 'kubernetes.io/basic-auth' &&
    !Object.hasOwn(data, 'username') &&
    !Object.hasOwn(data, 'password')
  ) {
    errs.push(required('data[username]'), required('data[password]'));
  }
  if (type === 'kubernetes.io/service-account-token') {
    const name = secret.metadata?.annotations?.['kubernetes.io/service-account.name'];
    if (!name) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]'));
  }
  return errs;
}

export const secrets = defineResource<S>({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  singular: 'secret',
  namespaced: true,
  storagePrefix: 'secrets',
  defaults(secret) {
    secret.type ||= 'Opaque';
    if (secret.stringData) {
      secret.data ??= {};
      for (const [k, v] of Object.entries(secret.stringData)) {
        secret.data[k] = Buffer.from(v, 'utf8').toString('base64');
      }
      delete secret.stringData;
    }
  },
  validate: validator<S>({ namespaced: true }, (secret, old) => [
    ...validateSecret(secret),
    ...(old
      ? [...immutable('type', secret.type, old.type), ...validateImmutableData(secret, old, ['data'])]
      : []),
  ]),
  fieldSelectors: { type: (s) => s.type ?? '' },
  columns: [
    col('Type', 'Used to facilitate programmatic handling of secret data.'),
    col('Data', 'The number of keys in the secret data.'),
    AGE_COLUMN,
  ],
  row: (s, now) => [
    s.type ?? '',
    Object.keys(s.data ?? {}).length,
    since(s.metadata?.creationTimestamp, now),
  ],
});
