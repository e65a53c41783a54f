import { describe, expect, it } from 'vitest';
import { CidrSet, CidrSetError } from './cidr-set';
import { formatIpv4, parseCidr, parseIpv4 } from './ipv4';

describe('ipv4', () => {
  it.each([
    ['10.42.0.0', 0x0a2a0000],
    ['255.255.255.255', 0xffffffff],
    ['0.0.0.0', 0],
    ['10.42.0', undefined],
    ['10.42.0.256', undefined],
    ['10.42.0.x', undefined],
  ])('parses %s', (text, n) => {
    expect(parseIpv4(text)).toBe(n);
    if (n !== undefined) expect(formatIpv4(n)).toBe(text);
  });

  it.each([
    ['10.42.7.9/16', '10.42.0.0', 16],
    ['10.42.7.9/24', '10.42.7.0', 24],
    ['10.42.7.9/32', '10.42.7.9', 32],
  ])('masks %s to its network', (text, base, prefix) => {
    const c = parseCidr(text);
    expect(c && formatIpv4(c.base)).toBe(base);
    expect(c?.prefix).toBe(prefix);
  });

  it.each(['10.42.0.0', '10.42.0.0/33', '10.42.0.0/x'])('refuses %s', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('CidrSet', () => {
  it('hands out distinct /24s of a /16 in order', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    expect(set.max).toBe(256);
    expect([set.allocateNext(), set.allocateNext(), set.allocateNext()]).toEqual([
      '10.42.0.0/24',
      '10.42.1.0/24',
      '10.42.2.0/24',
    ]);
    expect(set.free).toBe(253);
  });

  it('skips occupied subnets and reuses a released one only after going round', () => {
    const set = new CidrSet('10.42.0.0/22', 24);
    set.occupy('10.42.1.0/24');
    expect(set.allocateNext()).toBe('10.42.0.0/24');
    expect(set.allocateNext()).toBe('10.42.2.0/24');
    set.release('10.42.0.0/24');
    expect(set.allocateNext()).toBe('10.42.3.0/24');
    expect(set.allocateNext()).toBe('10.42.0.0/24');
    expect(set.allocateNext()).toBeUndefined();
    expect(set.free).toBe(0);
  });

  it('occupies every subnet a larger range overlaps, idempotently', () => {
    const set = new CidrSet('10.42.0.0/16', 24);
    set.occupy('10.42.4.0/23');
    set.occupy('10.42.4.0/23');
    expect(set.free).toBe(254);
    expect(set.isUsed('10.42.5.0/24')).toBe(true);
    set.release('10.42.4.0/23');
    set.release('10.42.4.0/23');
    expect(set.free).toBe(256);
  });

  it.each([
    ['not a CIDR', 'x'],
    ['outside the cluster CIDR', '10.43.0.0/24'],
    ['larger than the cluster CIDR', '10.0.0.0/8'],
  ])('refuses to occupy a CIDR %s', (_what, cidr) => {
    const set = new CidrSet('10.42.0.0/16', 24);
    expect(() => set.occupy(cidr)).toThrow(CidrSetError);
  });

  it.each([
    ['10.42.0.0/16', 15],
    ['10.42.0.0/8', 25],
    ['bogus', 24],
  ])('refuses cluster %s with node mask /%i', (cluster, mask) => {
    expect(() => new CidrSet(cluster, mask)).toThrow(CidrSetError);
  });
});
