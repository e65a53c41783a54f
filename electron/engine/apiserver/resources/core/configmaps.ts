/** core/v1 configmaps: `/registry/configmaps/<ns>/<name>`. */
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { FieldError } from '../types';
import { forbidden, invalid } from '../../admission/field';
import { deepEqual } from '../../admission/field';
import { isConfigMapKey } from '../../admission/names';
import { defineResource, validator, type Obj } from '../define';
import { AGE_COLUMN, col, since } from '../printers';

type C = Obj<ConfigMap>;

/** core.MaxSecretSize, which also bounds ConfigMaps. */
export const MAX_DATA_SIZE = 1024 * 1024;

/** Checks of data keys, the 1 MiB total, and (on update) the `immutable: true` contract. */
export function validateImmutableData(
  obj: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  old: { immutable?: boolean; data?: unknown; binaryData?: unknown },
  keys: ('data' | 'binaryData')[],
): FieldError[] {
  if (!old.immutable) return [];
  const errs: FieldError[] = [];
  if (!obj.immutable) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const k of keys) {
    if (!deepEqual(obj[k], old[k])) errs.push(forbidden(k, 'field is immutable when `immutable` is set'));
  }
  return errs;
}

function validateConfigMap(cm: C): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  const data = cm.data ?? {};
  const binary = cm.binaryData ?? {};
  for (const [key, value] of Object.entries(data)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`data[${key}]`, key, m));
    if (Object.hasOwn(binary, key))
      errs.push(invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
    total += Buffer.byteLength(String(value));
  }
  for (const [key, value] of Object.entries(binary)) {
    for (const m of isConfigMapKey(key)) errs.push(invalid(`binaryData[${key}]`, key, m));
    if (Object.hasOwn(data, key))
      errs.push(invalid(`binaryData[${key}]`, key, 'duplicate of key present in data'));
    total += Buffer.from(String(value), 'base64').length;
  }
  if (total > MAX_DATA_SIZE) {
    // Kubernetes reports this on the empty path; naming `data` reads better and changes nothing else.
    errs.push({
      field: 'data',
      type: 'FieldValueTooLong',
      message: `Too long: may not be more than ${MAX_DATA_SIZE} bytes`,
    });
  }
  return errs;
}

export const configmaps = defineResource<C>({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  singular: 'configmap',
  shortNames: ['cm'],
  namespaced: true,
  storagePrefix: 'configmaps',
  validate: validator<C>({ namespaced: true }, (cm, old) => [
    ...validateConfigMap(cm),
    ...(old ? validateImmutableData(cm, old, ['data', 'binaryData']) : []),
  ]),
  columns: [col('Data', 'Data contains the configuration data.'), AGE_COLUMN],
  row: (cm, now) => [
    Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length,
    since(cm.metadata?.creationTimestamp, now),
  ],
});
