/**
 * The set of node subnets carved out of the cluster CIDR, as kube-controller-manager's
 * nodeipam/ipam/cidrset: a bitmap with one bit per /nodeMaskSize subnet, and a rotating "next
 * candidate" so a released subnet is handed out again only after the allocator has gone round
 * the range once (a node that comes back soon after deletion does not find its old subnet
 * reused by a stranger while routes to it may still exist).
 */
import { type Cidr, formatCidr, maskOf, parseCidr, sizeOf } from './ipv4';

export class CidrSetError extends Error {
  override name = 'CidrSetError';
}

export class CidrSet {
  readonly cluster: Cidr;
  readonly nodeMaskSize: number;
  /** How many node subnets the cluster CIDR holds. */
  readonly max: number;
  private readonly used: Uint8Array;
  private allocated = 0;
  private nextCandidate = 0;

  constructor(clusterCidr: string, nodeMaskSize: number) {
    const cluster = parseCidr(clusterCidr);
    if (!cluster) throw new CidrSetError(`invalid cluster CIDR ${clusterCidr}`);
    if (nodeMaskSize < cluster.prefix || nodeMaskSize > 32) {
      throw new CidrSetError(
        `node CIDR mask size /${nodeMaskSize} must be between the cluster CIDR's /${cluster.prefix} and /32`,
      );
    }
    // cidrset refuses more than 2^16 subnets (clusterMaskSize - nodeMaskSize > 16).
    if (nodeMaskSize - cluster.prefix > 16) {
      throw new CidrSetError(
        `cluster CIDR /${cluster.prefix} with node mask /${nodeMaskSize} makes more than 65536 node subnets`,
      );
    }
    this.cluster = cluster;
    this.nodeMaskSize = nodeMaskSize;
    this.max = 2 ** (nodeMaskSize - cluster.prefix);
    this.used = new Uint8Array(this.max);
  }

  get free(): number {
    return this.max - this.allocated;
  }

  /** The next free subnet after the last one handed out, or undefined when all are taken. */
  allocateNext(): string | undefined {
    if (this.allocated >= this.max) return undefined;
    let candidate = this.nextCandidate;
    for (let i = 0; i < this.max; i++) {
      if (this.used[candidate] === 0) {
        this.mark(candidate, 1);
        this.nextCandidate = (candidate + 1) % this.max;
        return this.format(candidate);
      }
      candidate = (candidate + 1) % this.max;
    }
    return undefined;
  }

  /**
   * Mark every node subnet that `cidr` overlaps as used (a node's existing podCIDR, or a range
   * to keep out). Idempotent. Throws when `cidr` does not parse or lies outside the cluster CIDR.
   */
  occupy(cidr: string): void {
    for (const i of this.indexesOf(cidr)) this.mark(i, 1);
  }

  /** Mark the subnets `cidr` overlaps as free again. Idempotent. */
  release(cidr: string): void {
    for (const i of this.indexesOf(cidr)) this.mark(i, 0);
  }

  isUsed(cidr: string): boolean {
    return this.indexesOf(cidr).every((i) => this.used[i] === 1);
  }

  private mark(i: number, v: 0 | 1): void {
    if (this.used[i] === v) return;
    this.used[i] = v;
    this.allocated += v === 1 ? 1 : -1;
  }

  private format(i: number): string {
    return formatCidr({ base: this.cluster.base + i * sizeOf(this.nodeMaskSize), prefix: this.nodeMaskSize });
  }

  private indexesOf(text: string): number[] {
    const c = parseCidr(text);
    if (!c) throw new CidrSetError(`invalid CIDR ${text}`);
    const clusterEnd = this.cluster.base + sizeOf(this.cluster.prefix);
    const end = c.base + sizeOf(c.prefix);
    if (c.base < this.cluster.base || end > clusterEnd) {
      throw new CidrSetError(`CIDR ${text} is outside the cluster CIDR ${formatCidr(this.cluster)}`);
    }
    const step = sizeOf(this.nodeMaskSize);
    const first = (maskOf(c.base, this.nodeMaskSize) - this.cluster.base) / step;
    const count = Math.max(1, sizeOf(c.prefix) / step);
    return Array.from({ length: count }, (_, k) => first + k);
  }
}
