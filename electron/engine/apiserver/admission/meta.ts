/**
 * ObjectMeta validation as apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate: name
 * or generateName, namespace presence, labels, annotations (keys and the 256 KiB total),
 * ownerReferences and finalizers. Name/namespace/uid immutability on update is the API server's
 * generic code; this module checks the rest of the update rules.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import type { FieldError, KubeObject } from '../resources/types';
import { forbidden, invalid, required } from './field';
import { isLabelValue, isQualifiedName, nameIsDNSLabel, type NameValidator } from './names';

/** apimachinery's TotalAnnotationSizeLimitB. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** v1validation.ValidateLabels: each key a qualified name, each value a label value. */
export function validateLabels(labels: Record<string, string> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    if (typeof v !== 'string') {
      errs.push(invalid(path, v, 'must be a string'));
      continue;
    }
    for (const msg of isLabelValue(v)) errs.push(invalid(path, v, msg));
  }
  return errs;
}

/** ValidateAnnotations: keys are qualified names (case-insensitive); keys+values ≤ 256 KiB. */
export function validateAnnotations(
  annotations: Record<string, string> | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errs.push({
      field: path,
      type: 'FieldValueTooLong',
      message: `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`,
    });
  }
  return errs;
}

function validateOwnerReferences(meta: ObjectMeta, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of meta.ownerReferences ?? []) {
    const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
    if (!version) errs.push(invalid(`${path}.apiVersion`, ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(`${path}.kind`, ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalid(`${path}.name`, ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(`${path}.uid`, ref.uid ?? '', 'must not be empty'));
    if (ref.apiVersion === 'v1' && ref.kind === 'Event') {
      errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    }
    if (ref.controller) {
      const name = `${ref.kind}/${ref.name}`;
      if (firstController) {
        errs.push(
          invalid(
            path,
            meta.ownerReferences,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${name}`,
          ),
        );
      } else {
        firstController = name;
      }
    }
  }
  return errs;
}

function validateFinalizers(finalizers: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of finalizers ?? []) {
    for (const msg of isQualifiedName(f)) errs.push(invalid(path, f, msg));
  }
  const list = finalizers ?? [];
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

export interface MetaRules {
  namespaced: boolean;
  name: NameValidator;
}

/**
 * ValidateObjectMeta for a create, or the field checks that still apply on an update. The name
 * is checked as given: the API server generates it from generateName before validation.
 */
export function validateObjectMeta(obj: KubeObject, rules: MetaRules, old?: KubeObject): FieldError[] {
  const meta = obj.metadata ?? {};
  const errs: FieldError[] = [];
  if (!old) {
    if (meta.generateName) {
      for (const msg of rules.name(meta.generateName, true)) {
        errs.push(invalid('metadata.generateName', meta.generateName, msg));
      }
    }
    if (!meta.name) {
      errs.push(required('metadata.name', 'name or generateName is required'));
    } else {
      for (const msg of rules.name(meta.name, false)) errs.push(invalid('metadata.name', meta.name, msg));
    }
    if (rules.namespaced) {
      if (!meta.namespace) errs.push(required('metadata.namespace'));
      else {
        for (const msg of nameIsDNSLabel(meta.namespace, false)) {
          errs.push(invalid('metadata.namespace', meta.namespace, msg));
        }
      }
    } else if (meta.namespace) {
      errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
    }
  } else {
    const oldMeta = old.metadata ?? {};
    if (oldMeta.deletionTimestamp) {
      const added = (meta.finalizers ?? []).filter((f) => !(oldMeta.finalizers ?? []).includes(f));
      if (added.length) {
        errs.push(
          forbidden(
            'metadata.finalizers',
            `no new finalizers can be added if the object is being deleted, found new finalizers []string{${[
              ...new Set(added),
            ]
              .sort()
              .map((f) => JSON.stringify(f))
              .join(', ')}}`,
          ),
        );
      }
    }
    if ((meta.generation ?? 0) < (oldMeta.generation ?? 0)) {
      errs.push(invalid('metadata.generation', meta.generation ?? 0, 'must not be decremented'));
    }
  }
  if (meta.generation !== undefined && meta.generation < 0) {
    errs.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  }
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateOwnerReferences(meta, 'metadata.ownerReferences'));
  errs.push(...validateFinalizers(meta.finalizers, 'metadata.finalizers'));
  return errs;
}

/** A pod template's metadata: labels and annotations only (ValidatePodTemplateSpec). */
export function validateTemplateMeta(meta: ObjectMeta | undefined, path: string): FieldError[] {
  return [
    ...validateLabels(meta?.labels, `${path}.labels`),
    ...validateAnnotations(meta?.annotations, `${path}.annotations`),
  ];
}
