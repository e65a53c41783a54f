/**
 * Node order for the snapshot, as kube-scheduler's nodeTree: nodes grouped by zone
 * (region + zone labels) and listed round-robin across zones, so that when only a percentage
 * of nodes is searched (percentageOfNodesToScore) the search still spans every zone.
 */
import type { Node } from 'kubernetes-types/core/v1';

const ZONE = 'topology.kubernetes.io/zone';
const REGION = 'topology.kubernetes.io/region';
const ZONE_BETA = 'failure-domain.beta.kubernetes.io/zone';
const REGION_BETA = 'failure-domain.beta.kubernetes.io/region';

/** utilnode.GetZoneKey: "" when the node has no zone or region label. */
export function zoneKey(node: Node): string {
  const labels = node.metadata?.labels ?? {};
  const region = labels[REGION] ?? labels[REGION_BETA] ?? '';
  const zone = labels[ZONE] ?? labels[ZONE_BETA] ?? '';
  if (!region && !zone) return '';
  return `${region}:\x00:${zone}`;
}

export class NodeTree {
  /** zone → node names, zones in order of first appearance. */
  private readonly zones = new Map<string, string[]>();
  private readonly zoneOf = new Map<string, string>();

  get size(): number {
    return this.zoneOf.size;
  }

  add(node: Node): void {
    const name = node.metadata?.name ?? '';
    const zone = zoneKey(node);
    const current = this.zoneOf.get(name);
    if (current === zone) return;
    if (current !== undefined) this.remove(name);
    let names = this.zones.get(zone);
    if (!names) this.zones.set(zone, (names = []));
    names.push(name);
    this.zoneOf.set(name, zone);
  }

  remove(name: string): void {
    const zone = this.zoneOf.get(name);
    if (zone === undefined) return;
    this.zoneOf.delete(name);
    const names = this.zones.get(zone) ?? [];
    const i = names.indexOf(name);
    if (i >= 0) names.splice(i, 1);
    if (names.length === 0) this.zones.delete(zone);
  }

  /** Every node name, one zone after another round-robin. */
  list(): string[] {
    const out: string[] = [];
    const lists = [...this.zones.values()];
    for (let i = 0; out.length < this.zoneOf.size; i++) {
      for (const names of lists) {
        const name = names[i];
        if (name !== undefined) out.push(name);
      }
    }
    return out;
  }
}
