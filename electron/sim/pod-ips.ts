/**
 * Pod IPs of one simulated node, from its spec.podCIDR: what a CNI host-local IPAM plugin does
 * on a real node. The network address, the first address (the bridge's gateway) and the
 * broadcast address are never handed out; a rotating cursor makes allocation O(1) amortised and
 * delays the reuse of a released address.
 */
import { formatIpv4, parseCidr, parseIpv4 } from '../engine/controllers/nodeipam/ipv4';

export class PodIps {
  readonly cidr: string;
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  private cursor: number;

  /** Throws when `cidr` is not an IPv4 CIDR with room for at least one pod. */
  constructor(cidr: string) {
    const c = parseCidr(cidr);
    if (!c || c.prefix > 30) throw new Error(`pod CIDR ${cidr} is not an IPv4 CIDR of /30 or larger`);
    this.cidr = cidr;
    this.first = c.base + 2;
    this.last = c.base + 2 ** (32 - c.prefix) - 2;
    this.cursor = this.first;
  }

  get size(): number {
    return this.used.size;
  }

  /** The next free address, or undefined when the range is full. */
  allocate(): string | undefined {
    const span = this.last - this.first + 1;
    for (let i = 0; i < span; i++) {
      const ip = this.cursor;
      this.cursor = ip >= this.last ? this.first : ip + 1;
      if (!this.used.has(ip)) {
        this.used.add(ip);
        return formatIpv4(ip);
      }
    }
    return undefined;
  }

  /** Mark `ip` used (an address a pod already has); false when it is not in this range. */
  occupy(ip: string): boolean {
    const n = parseIpv4(ip);
    if (n === undefined || n < this.first || n > this.last) return false;
    this.used.add(n);
    return true;
  }

  release(ip: string): void {
    const n = parseIpv4(ip);
    if (n !== undefined) this.used.delete(n);
  }
}
