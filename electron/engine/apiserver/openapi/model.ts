/**
 * The neutral model of the API's operations that operations.ts and subresources.ts build and
 * v2.ts / v3.ts render (see operations.ts for the Kubernetes conventions it follows).
 */
import type { ResourceDefinition } from '../resources/types';
import type { Parameter } from './parameters';
import { definitionName, type GroupVersionKind } from './schemas';

export type Action =
  | 'get'
  | 'list'
  | 'watch'
  | 'watchlist'
  | 'post'
  | 'put'
  | 'patch'
  | 'delete'
  | 'deletecollection'
  | 'connect';

export type Method = 'get' | 'put' | 'post' | 'delete' | 'patch' | 'head' | 'options';

/** What a request or response body is: a named definition, a plain string, or any object. */
export type Body = { definition: string } | { type: 'string' } | { type: 'object' };

export interface Operation {
  method: Method;
  operationId: string;
  description: string;
  tag: string;
  action: Action;
  gvk: GroupVersionKind;
  parameters: Parameter[];
  /** Request body; patch bodies are meta/v1 Patch in every patch content type (`consumes`). */
  requestBody?: Body;
  consumes: string[];
  produces: string[];
  /** Success responses by status code. */
  responses: Record<string, Body>;
}

export interface ApiPath {
  /** `/api/v1/namespaces/{namespace}/pods/{name}` */
  path: string;
  /** Parameters shared by all the path's operations (path parameters and `pretty`). */
  parameters: Parameter[];
  operations: Operation[];
}

export const PATCH_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
export const OBJECT_TYPES = ['application/json', 'application/yaml'];
/** Query parameters of every write (create, update, patch). */
export const WRITE = ['dryRun', 'fieldManager', 'fieldValidation'];

/** The body of a kind: its definition, or any object when kubernetes-types does not know it. */
export function bodyOf(group: string, version: string, kind: string): Body {
  const name = definitionName(group, version, kind);
  return name ? { definition: name } : { type: 'object' };
}

/** Everything the operations of one resource share. */
export interface ResourceContext {
  def: ResourceDefinition;
  tag: string;
  gvk: GroupVersionKind;
  /** The object's path: `/api/v1/namespaces/{namespace}/pods/{name}`. */
  item: string;
  /** Path parameters of `item`, plus `pretty`. */
  named: Parameter[];
  object: Body;
  /** `<verb><Group><Version>[<Method>][Namespaced]<Kind><suffix>`, as Kubernetes' operation ids. */
  id(verb: string, suffix?: string, options?: { allNamespaces?: boolean; method?: string }): string;
}
