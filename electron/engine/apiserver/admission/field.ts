/**
 * Field errors worded as Kubernetes' field.Error (k8s.io/apimachinery/pkg/util/validation/field):
 * the `message` is what follows `<path>: ` in kubectl's output, e.g. `Required value` or
 * `Invalid value: "Foo": a lowercase RFC 1123 …`.
 */
import type { FieldError } from '../resources/types';

/** Renders a bad value the way field.Error does: strings quoted, scalars bare, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Go's encoding/json sorts map keys; sort ours so messages are stable.
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function withDetail(head: string, detail?: string): string {
  return detail ? `${head}: ${detail}` : head;
}

export function required(field: string, detail?: string): FieldError {
  return { field, type: 'FieldValueRequired', message: withDetail('Required value', detail) };
}

export function invalid(field: string, value: unknown, detail?: string): FieldError {
  return {
    field,
    type: 'FieldValueInvalid',
    message: withDetail(`Invalid value: ${formatValue(value)}`, detail),
  };
}

export function notSupported(field: string, value: unknown, valid: readonly string[]): FieldError {
  const detail = valid.length
    ? `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`
    : undefined;
  return {
    field,
    type: 'FieldValueNotSupported',
    message: withDetail(`Unsupported value: ${formatValue(value)}`, detail),
  };
}

export function duplicate(field: string, value: unknown): FieldError {
  return { field, type: 'FieldValueDuplicate', message: `Duplicate value: ${formatValue(value)}` };
}

export function forbidden(field: string, detail: string): FieldError {
  return { field, type: 'FieldValueForbidden', message: withDetail('Forbidden', detail) };
}

/** field.TooLong: the value itself is never echoed. */
export function tooLong(field: string, maxBytes: number): FieldError {
  const unit = maxBytes === 1 ? 'byte' : 'bytes';
  return {
    field,
    type: 'FieldValueTooLong',
    message: `Too long: may not be more than ${maxBytes} ${unit}`,
  };
}

export function tooMany(field: string, actual: number, max: number): FieldError {
  const unit = max === 1 ? 'item' : 'items';
  return {
    field,
    type: 'FieldValueTooMany',
    message: `Too many: ${actual}: must have at most ${max} ${unit}`,
  };
}

/** apimachinery's FieldImmutableErrorMsg. */
export const FIELD_IMMUTABLE = 'field is immutable';

/** Structural equality of JSON values (Kubernetes' semantic DeepEqual, minus quantities). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Like apimachinery's forked reflect.DeepEqual, an absent list or map equals an empty one.
  if (isEmptyish(a) && isEmptyish(b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) {
    if (!deepEqual(ao[k], bo[k])) return false;
  }
  return true;
}

function isEmptyish(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  return typeof v === 'object' && Object.keys(v).length === 0;
}

/** ValidateImmutableField: `Invalid value: <new>: field is immutable` when the value changed. */
export function immutable(field: string, next: unknown, prev: unknown): FieldError[] {
  return deepEqual(next, prev) ? [] : [invalid(field, next, FIELD_IMMUTABLE)];
}

/** ValidateNonnegativeField. */
export function nonNegative(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value < 0
    ? [invalid(field, value, 'must be greater than or equal to 0')]
    : [];
}

/** A positive number (ValidatePositiveField). */
export function positive(field: string, value: number | undefined): FieldError[] {
  return value !== undefined && value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}
