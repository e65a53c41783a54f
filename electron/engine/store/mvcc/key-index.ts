/**
 * The in-memory index of every key's revision history, like etcd's treeIndex: rebuilt from the
 * log at open, ordered by key (a B+ tree) for range scans. Values stay in the database; an entry
 * points at its record by (rev, sub).
 */
import BTreeModule from 'sorted-btree';

// sorted-btree is CommonJS with `exports.default`: under Node's ESM loader the default import
// is the whole module object, under bundlers the class itself.
const BTree = ((BTreeModule as unknown as { default?: typeof BTreeModule }).default ??
  BTreeModule) as typeof BTreeModule;
import type { Key, KeyRange } from './keys';

export interface Revision {
  rev: number;
  sub: number;
  tombstone: boolean;
  createRevision: number;
  version: number;
  lease: number;
}

/** History of one key, oldest first. */
export type History = Revision[];

export class KeyIndex {
  private readonly tree = new BTree<Key, History>();

  get size(): number {
    return this.tree.size;
  }

  history(key: Key): History | undefined {
    return this.tree.get(key);
  }

  append(key: Key, r: Revision): void {
    const h = this.tree.get(key);
    if (h) h.push(r);
    else this.tree.set(key, [r]);
  }

  remove(key: Key): void {
    this.tree.delete(key);
  }

  /** The key's state at `rev`: the newest entry ≤ rev, unless that is a tombstone. */
  static at(h: History | undefined, rev: number): Revision | undefined {
    if (!h) return undefined;
    let lo = 0;
    let hi = h.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((h[mid] as Revision).rev <= rev) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const r = found >= 0 ? h[found] : undefined;
    return r && !r.tombstone ? r : undefined;
  }

  /** Visit keys in the range in order; stop when `visit` returns false. */
  scan(range: KeyRange, visit: (key: Key, h: History) => boolean): void {
    if (range.single) {
      const h = this.tree.get(range.start);
      if (h) visit(range.start, h);
      return;
    }
    for (const [key, h] of this.tree.entries(range.start)) {
      if (range.end !== null && key >= range.end) return;
      if (!visit(key, h)) return;
    }
  }

  /**
   * Drop history older than `rev`, keeping each key's state at `rev` (etcd's compaction).
   * `keys` limits the work to keys written since the last compaction. Returns removed entries.
   */
  compact(rev: number, keys: Iterable<Key>): [number, number][] {
    const removed: [number, number][] = [];
    for (const key of keys) {
      const h = this.tree.get(key);
      if (!h) continue;
      // Index of the newest entry ≤ rev: it survives unless it is a tombstone.
      let keep = -1;
      for (let i = h.length - 1; i >= 0; i--) {
        if ((h[i] as Revision).rev <= rev) {
          keep = i;
          break;
        }
      }
      if (keep < 0) continue;
      const cut = (h[keep] as Revision).tombstone ? keep + 1 : keep;
      for (const r of h.splice(0, cut)) removed.push([r.rev, r.sub]);
      if (h.length === 0) this.tree.delete(key);
    }
    return removed;
  }
}
