/**
 * One served resource: its declaration, its storage and the watch cache of its storage
 * prefix (shared with any other group/version serving the same objects), plus the small
 * per-resource helpers every handler needs.
 */
import type { Resource } from '../errors';
import { ApiError } from '../errors';
import type { KubeObject, ResourceDefinition } from '../resources/types';
import { groupVersion } from '../resources/types';
import type { CachedObject } from './cached-object';
import { valueAt } from './object-meta';
import {
  type FieldRequirement,
  type LabelRequirement,
  matchFields,
  matchLabels,
} from '../../../kube/selectors';
import { ResourceStorage } from './storage';
import { type WatchCache, prefixEnd } from './watch-cache';

export class ServedResource {
  readonly resource: Resource;
  readonly storage: ResourceStorage;
  readonly gv: string;
  /** The kind stored objects carry (differs from def.kind's group when def.convert is set). */
  constructor(
    readonly def: ResourceDefinition,
    readonly cache: WatchCache,
    storage: ResourceStorage,
  ) {
    this.resource = { group: def.group, plural: def.plural };
    this.storage = storage;
    this.gv = groupVersion(def);
  }

  get prefix(): string {
    return this.cache.prefix;
  }

  /** Key range of one namespace, or of everything when `namespace` is ''. */
  range(namespace: string): { from: string; to: string } {
    if (!this.def.namespaced || !namespace) return { from: this.prefix, to: prefixEnd(this.prefix) };
    const from = `${this.prefix}${namespace}/`;
    return { from, to: prefixEnd(from) };
  }

  /** A stored object as this resource serves it (converted for alternate versions). */
  fromStored(obj: KubeObject): KubeObject {
    if (this.def.convert) return this.def.convert.fromStored(obj);
    return obj;
  }

  toStored(obj: KubeObject): KubeObject {
    if (this.def.convert) return this.def.convert.toStored(obj);
    return obj;
  }

  /** The cached JSON when no conversion is needed (the fast path for lists and watches). */
  json(o: CachedObject): string {
    return this.def.convert ? JSON.stringify(this.def.convert.fromStored(o.object)) : o.json;
  }

  served(o: CachedObject): KubeObject {
    return this.def.convert ? this.def.convert.fromStored(o.object) : o.object;
  }

  fieldValue(obj: KubeObject, field: string): string | undefined {
    if (field === 'metadata.name') return obj.metadata?.name;
    if (field === 'metadata.namespace') return obj.metadata?.namespace ?? '';
    const get = this.def.fieldSelectors?.[field];
    if (get) return get(obj);
    const v = valueAt(obj, field);
    return v === undefined || v === null ? undefined : String(v);
  }

  /** 400 for field selectors the resource does not support (Kubernetes: "field label not supported"). */
  checkFieldSelector(reqs: FieldRequirement[]) {
    for (const r of reqs) {
      if (r.field === 'metadata.name' || r.field === 'metadata.namespace') continue;
      if (this.def.fieldSelectors?.[r.field]) continue;
      throw new ApiError(400, 'BadRequest', `field label not supported: ${r.field}`);
    }
  }

  matcher(labels: LabelRequirement[], fields: FieldRequirement[]): (obj: KubeObject) => boolean {
    if (labels.length === 0 && fields.length === 0) return () => true;
    return (obj) => {
      const served = this.def.convert ? this.def.convert.fromStored(obj) : obj;
      return (
        matchLabels(labels, obj.metadata?.labels) && matchFields(fields, (f) => this.fieldValue(served, f))
      );
    };
  }
}

export { ResourceStorage };
