/**
 * Cluster IP and NodePort allocation for Services, with conflict detection that holds across
 * API servers sharing one store: every allocated IP or port is a reservation key
 * (`/registry/ranges/serviceips/<ip>`, `/registry/ranges/servicenodeports/<port>`) created in
 * the same transaction as the Service and deleted in the same transaction as its removal — two
 * Services can never commit the same address, and nothing leaks when a write fails.
 *
 * Known limitations: IPv4 service ranges only; a random probe over the free set read from the
 * store's reservation keys (fine for the ~65k addresses of a /16).
 */
import { randomInt } from 'node:crypto';
import type { Store } from '../../store/types';
import { invalid } from '../errors';
import type { KubeObject } from '../resources/types';
import type { ResourceHooks } from '../handlers/write-deps';
import type { ServedResource } from './served';
import type { TxnExtras } from './storage';
import { prefixEnd } from './watch-cache';

const IP_PREFIX = '/registry/ranges/serviceips/';
const PORT_PREFIX = '/registry/ranges/servicenodeports/';

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ports?: { port?: number; nodePort?: number; protocol?: string }[];
}

export interface Cidr {
  base: number;
  bits: number;
  text: string;
}

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`invalid IPv4 CIDR ${JSON.stringify(text)}`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30)
    throw new Error(`invalid service CIDR ${text}: use a prefix between /8 and /30`);
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits, text };
}

export const ipToString = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

export function ipToNumber(ip: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return null;
  const o = m.slice(1).map(Number);
  if (o.some((x) => x > 255)) return null;
  return o.reduce((acc, x) => acc * 256 + x, 0);
}

const enc = (s: string) => Buffer.from(s);

export function createServiceHooks(deps: {
  store: Store;
  cidr: string;
  nodePorts: [number, number];
  services: () => ServedResource | undefined;
}): ResourceHooks {
  const cidr = parseCidr(deps.cidr);
  const size = 2 ** (32 - cidr.bits);
  const [lo, hi] = deps.nodePorts;

  async function taken(prefix: string): Promise<Set<string>> {
    const r = await deps.store.range({ key: enc(prefix), rangeEnd: enc(prefixEnd(prefix)), keysOnly: true });
    return new Set(r.kvs.map((kv) => Buffer.from(kv.key).toString().slice(prefix.length)));
  }

  const fail = (svc: KubeObject, field: string, value: unknown, why: string) =>
    invalid('Service', '', svc.metadata?.name ?? '', [
      { field, type: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}` },
    ]);

  async function allocateIp(svc: KubeObject, spec: ServiceSpec, extras: TxnExtras) {
    if (spec.clusterIP === 'None' || spec.type === 'ExternalName') return;
    const owner = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    const used = await taken(IP_PREFIX);
    let ip = spec.clusterIP;
    if (ip) {
      const n = ipToNumber(ip);
      if (n === null || n <= cidr.base || n >= cidr.base + size - 1) {
        throw fail(
          svc,
          'spec.clusterIPs',
          [ip],
          `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${cidr.text}`,
        );
      }
      if (used.has(ip))
        throw fail(
          svc,
          'spec.clusterIPs',
          [ip],
          `failed to allocate IP ${ip}: provided IP is already allocated`,
        );
    } else {
      if (used.size >= size - 2)
        throw fail(svc, 'spec.clusterIPs', [], `failed to allocate a serviceIP: range is full`);
      do ip = ipToString(cidr.base + 1 + randomInt(size - 2));
      while (used.has(ip));
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
    extras.compare.push({ key: enc(IP_PREFIX + ip), target: 'create', result: 'equal', value: 0 });
    extras.success.push({ put: { key: enc(IP_PREFIX + ip), value: enc(owner) } });
  }

  const wantsNodePorts = (spec: ServiceSpec) => spec.type === 'NodePort' || spec.type === 'LoadBalancer';

  async function allocatePorts(svc: KubeObject, spec: ServiceSpec, keep: Set<number>, extras: TxnExtras) {
    if (!wantsNodePorts(spec)) return;
    const owner = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
    const used = await taken(PORT_PREFIX);
    const mine = new Set<number>();
    for (const [i, p] of (spec.ports ?? []).entries()) {
      if (p.nodePort) {
        if (p.nodePort < lo || p.nodePort > hi) {
          throw fail(
            svc,
            `spec.ports[${i}].nodePort`,
            p.nodePort,
            `provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
          );
        }
        if (keep.has(p.nodePort) || mine.has(p.nodePort)) {
          mine.add(p.nodePort);
          continue;
        }
        if (used.has(String(p.nodePort)))
          throw fail(svc, `spec.ports[${i}].nodePort`, p.nodePort, 'provided port is already allocated');
      } else {
        let port: number;
        do port = lo + randomInt(hi - lo + 1);
        while (used.has(String(port)) || mine.has(port) || keep.has(port));
        p.nodePort = port;
      }
      mine.add(p.nodePort);
      extras.compare.push({
        key: enc(PORT_PREFIX + p.nodePort),
        target: 'create',
        result: 'equal',
        value: 0,
      });
      extras.success.push({ put: { key: enc(PORT_PREFIX + p.nodePort), value: enc(owner) } });
    }
  }

  const portsOf = (spec: ServiceSpec) =>
    new Set((spec.ports ?? []).map((p) => p.nodePort).filter((n): n is number => !!n));

  return {
    async beforeCreate(svc) {
      const spec = (svc.spec ??= {}) as ServiceSpec;
      const extras: TxnExtras = { compare: [], success: [] };
      await allocateIp(svc, spec, extras);
      await allocatePorts(svc, spec, new Set(), extras);
      return extras;
    },
    async beforeUpdate(svc, old) {
      const spec = (svc.spec ??= {}) as ServiceSpec;
      const oldSpec = (old.spec ?? {}) as ServiceSpec;
      const extras: TxnExtras = { compare: [], success: [] };
      // The cluster IP is immutable (validation refuses changes); keep it across updates that omit it.
      if (!spec.clusterIP && oldSpec.clusterIP) {
        spec.clusterIP = oldSpec.clusterIP;
        spec.clusterIPs = oldSpec.clusterIPs;
      } else if (!oldSpec.clusterIP || oldSpec.clusterIP === 'None') {
        if (spec.clusterIP !== 'None' && spec.type !== 'ExternalName' && !spec.clusterIP)
          await allocateIp(svc, spec, extras);
      }
      const oldPorts = wantsNodePorts(oldSpec) ? portsOf(oldSpec) : new Set<number>();
      // Ports the update omits keep their old numbers, like kube-apiserver's patching of nodePorts.
      if (wantsNodePorts(spec)) {
        for (const p of spec.ports ?? []) {
          if (p.nodePort) continue;
          const prev = (oldSpec.ports ?? []).find(
            (o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'),
          );
          if (prev?.nodePort) p.nodePort = prev.nodePort;
        }
      }
      await allocatePorts(svc, spec, oldPorts, extras);
      const newPorts = wantsNodePorts(spec) ? portsOf(spec) : new Set<number>();
      for (const port of oldPorts)
        if (!newPorts.has(port)) extras.success.push({ deleteRange: { key: enc(PORT_PREFIX + port) } });
      return extras;
    },
    beforeDelete(old) {
      const spec = (old.spec ?? {}) as ServiceSpec;
      const success: TxnExtras['success'] = [];
      if (spec.clusterIP && spec.clusterIP !== 'None')
        success.push({ deleteRange: { key: enc(IP_PREFIX + spec.clusterIP) } });
      if (wantsNodePorts(spec))
        for (const port of portsOf(spec)) success.push({ deleteRange: { key: enc(PORT_PREFIX + port) } });
      return { compare: [], success };
    },
  };
}
