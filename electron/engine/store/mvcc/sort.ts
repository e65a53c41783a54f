import type { KeyValue, SortOrder, SortTarget } from '../types';
import { compareBytes } from './keys';

/** etcd's range sorting by target and order (ties keep key order: the input is key-sorted). */
export function sortKvs(kvs: KeyValue[], target: SortTarget, order: Exclude<SortOrder, 'none'>): KeyValue[] {
  const by: Record<SortTarget, (a: KeyValue, b: KeyValue) => number> = {
    key: (a, b) => compareBytes(a.key, b.key),
    version: (a, b) => a.version - b.version,
    create: (a, b) => a.createRevision - b.createRevision,
    mod: (a, b) => a.modRevision - b.modRevision,
    value: (a, b) => compareBytes(a.value, b.value),
  };
  const cmp = by[target];
  const sorted = [...kvs].sort(cmp);
  return order === 'descend' ? sorted.reverse() : sorted;
}
