/**
 * Shared pieces of resource declarations: a typed `defineResource`, and the validate function
 * that runs ObjectMeta checks before the kind's own.
 */
import { validateObjectMeta } from '../admission/meta';
import { nameIsDNSSubdomain, type NameValidator } from '../admission/names';
import type { FieldError, KubeObject, ResourceDefinition } from './types';

/** A `kubernetes-types` interface usable as a stored object. */
export type Obj<T> = T & KubeObject;

/**
 * Declares a resource with its own object type. The catalog holds definitions of many kinds;
 * the machinery hands each definition only objects of its own kind, which is what makes the
 * widening cast sound.
 */
export function defineResource<T extends KubeObject>(def: ResourceDefinition<T>): ResourceDefinition {
  return def as unknown as ResourceDefinition;
}

/**
 * A `validate` that checks metadata (name format per kind, namespace presence) and then the
 * kind's own rules.
 */
export function validator<T extends KubeObject>(
  opts: { namespaced: boolean; name?: NameValidator },
  own?: (obj: T, old?: T) => FieldError[],
): (obj: T, old?: T) => FieldError[] {
  return (obj, old) => [
    ...validateObjectMeta(obj, { namespaced: opts.namespaced, name: opts.name ?? nameIsDNSSubdomain }, old),
    ...(own ? own(obj, old) : []),
  ];
}
