/**
 * IPv4 addresses and CIDRs as unsigned 32-bit numbers: what the node IPAM controller carves the
 * cluster CIDR with, and what simulated nodes hand pod IPs out of. IPv4 only (the cluster CIDR
 * flag is IPv4; dual stack is a known limitation of Pilothouse).
 */

export interface Cidr {
  /** The network address (host bits cleared). */
  base: number;
  prefix: number;
}

/** The number for a dotted quad, or undefined when it is not one. */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** `a.b.c.d/p`; the base is masked, as Go's net.ParseCIDR returns the network. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const ip = parseIpv4(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (ip === undefined || !/^\d{1,2}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > 32) return undefined;
  return { base: maskOf(ip, prefix), prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIpv4(c.base)}/${c.prefix}`;
}

/** `ip` with the host bits of a /`prefix` cleared. */
export function maskOf(ip: number, prefix: number): number {
  if (prefix === 0) return 0;
  const hostBits = 32 - prefix;
  return Math.floor(ip / 2 ** hostBits) * 2 ** hostBits;
}

/** Addresses in a /`prefix`. */
export function sizeOf(prefix: number): number {
  return 2 ** (32 - prefix);
}
