import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, startTestCluster } from '../testing/cluster';
import { ipToNumber, ipToString, parseCidr } from './service-allocator';

describe('CIDR helpers', () => {
  it.each([
    ['10.43.0.0/16', '10.43.0.0', 16],
    ['10.43.7.9/16', '10.43.0.0', 16],
    ['192.168.1.128/25', '192.168.1.128', 25],
  ])('%s → base %s/%i', (text, base, bits) => {
    const c = parseCidr(text);
    expect(ipToString(c.base)).toBe(base);
    expect(c.bits).toBe(bits);
  });

  it.each(['10.43.0.0', '10.43.0.0/33', '10.43.0.0/4', '300.1.1.1/16', 'fd00::/108'])(
    'refuses %s',
    (text) => {
      expect(() => parseCidr(text)).toThrow();
    },
  );

  it.each([
    ['10.43.0.1', 0x0a2b0001],
    ['255.255.255.255', 0xffffffff],
    ['1.2.3', null],
    ['1.2.3.256', null],
  ])('ipToNumber(%s) = %s', (ip, n) => {
    expect(ipToNumber(ip)).toBe(n);
    if (n !== null) expect(ipToString(n)).toBe(ip);
  });
});

describe('Service cluster IPs and NodePorts (through the API)', () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c?.stop();
  });

  const SVC = '/api/v1/namespaces/default/services';
  const service = (name: string, spec: Record<string, unknown> = {}) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
  });
  const create = (name: string, spec: Record<string, unknown> = {}) =>
    c.request('POST', SVC, service(name, spec));
  const inRange = (ip: string) => {
    const n = ipToNumber(ip) ?? 0;
    return n > 0x0a2b0000 && n < 0x0a2bffff;
  };

  it('allocates a cluster IP from the service range to every ClusterIP service', async () => {
    const ips = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const r = await create(`auto-${i}`);
      expect(r.status, r.text).toBe(201);
      const { clusterIP, clusterIPs } = r.json.spec;
      expect(inRange(clusterIP)).toBe(true);
      expect(clusterIPs).toEqual([clusterIP]);
      ips.add(clusterIP);
    }
    expect(ips.size).toBe(5);
  });

  it('dryRun=All shows the IP and ports a create or update would get, and reserves nothing', async () => {
    const dry = await c.request(
      'POST',
      `${SVC}?dryRun=All`,
      service('dry', { clusterIP: '10.43.6.6', type: 'NodePort', ports: [{ port: 80, nodePort: 30600 }] }),
    );
    expect(dry.status, dry.text).toBe(201);
    expect(dry.json.spec.clusterIP).toBe('10.43.6.6');
    const auto = await c.request('POST', `${SVC}?dryRun=All`, service('dry-auto', { type: 'NodePort' }));
    expect(inRange(auto.json.spec.clusterIP)).toBe(true);
    expect(auto.json.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    // Nothing was taken: a real create gets the same IP and port.
    const real = await create('dry', {
      clusterIP: '10.43.6.6',
      type: 'NodePort',
      ports: [{ port: 80, nodePort: 30600 }],
    });
    expect(real.status, real.text).toBe(201);
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = real.json.spec;
    void _ip;
    void _ips;
    const dryPut = await c.request('PUT', `${SVC}/dry?dryRun=All`, {
      ...real.json,
      spec: { ...spec, ports: [{ port: 80 }] },
    });
    expect(dryPut.status, dryPut.text).toBe(200);
    expect(dryPut.json.spec.clusterIP).toBe('10.43.6.6');
    expect(dryPut.json.spec.ports[0].nodePort).toBe(30600);
  });

  it('gives a headless service no IP', async () => {
    const r = await create('headless', { clusterIP: 'None' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.spec.clusterIP).toBe('None');
  });

  it('takes an explicit IP once: the same IP again is 422, and it is free again after the delete', async () => {
    const first = await create('explicit-a', { clusterIP: '10.43.5.5' });
    expect(first.status, first.text).toBe(201);
    expect(first.json.spec.clusterIP).toBe('10.43.5.5');
    const second = await create('explicit-b', { clusterIP: '10.43.5.5' });
    expect(second.status).toBe(422);
    expect(second.json).toMatchObject({
      reason: 'Invalid',
      details: { causes: [{ field: 'spec.clusterIPs' }] },
    });
    expect(second.json.message).toContain(
      'failed to allocate IP 10.43.5.5: provided IP is already allocated',
    );
    // The failed create left nothing behind.
    expect((await c.request('GET', `${SVC}/explicit-b`)).status).toBe(404);
    expect((await c.request('DELETE', `${SVC}/explicit-a`)).status).toBe(200);
    const reuse = await create('explicit-b', { clusterIP: '10.43.5.5' });
    expect(reuse.status, reuse.text).toBe(201);
  });

  it.each([['10.44.0.1'], ['10.43.0.0'], ['10.43.255.255']])(
    'refuses %s (outside the range, or its network/broadcast address)',
    async (ip) => {
      const r = await create(`out-${ip.replace(/\./g, '-')}`, { clusterIP: ip });
      expect(r.status).toBe(422);
      expect(r.json.message).toContain('is not in the valid range. The range of valid IPs is 10.43.0.0/16');
    },
  );

  it('keeps the cluster IP across updates that omit it, and refuses to change it', async () => {
    const r = await create('keep-ip');
    const ip = r.json.spec.clusterIP;
    const { clusterIP: _ip, clusterIPs: _ips, ...spec } = r.json.spec;
    void _ip;
    void _ips;
    const put = await c.request('PUT', `${SVC}/keep-ip`, {
      ...r.json,
      spec: { ...spec, ports: [{ port: 81 }] },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json.spec.clusterIP).toBe(ip);
    const change = await c.request('PUT', `${SVC}/keep-ip`, {
      ...put.json,
      spec: { ...put.json.spec, clusterIP: '10.43.9.9', clusterIPs: ['10.43.9.9'] },
    });
    expect(change.status).toBe(422);
    expect(change.json.message).toContain('may not change once set');
  });

  it('allocates NodePorts in 30000–32767, refuses a taken one, and frees them on delete', async () => {
    const auto = await create('np-auto', {
      type: 'NodePort',
      ports: [
        { port: 80, name: 'http' },
        { port: 443, name: 'https' },
      ],
    });
    expect(auto.status, auto.text).toBe(201);
    const ports = auto.json.spec.ports.map((p: { nodePort: number }) => p.nodePort);
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(30000);
      expect(p).toBeLessThanOrEqual(32767);
    }
    expect(new Set(ports).size).toBe(2);
    const fixed = await create('np-fixed', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(fixed.status, fixed.text).toBe(201);
    const clash = await create('np-clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(clash.status).toBe(422);
    expect(clash.json.details.causes[0].field).toBe('spec.ports[0].nodePort');
    expect(clash.json.message).toContain('Invalid value: 30080: provided port is already allocated');
    const outside = await create('np-outside', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] });
    expect(outside.status).toBe(422);
    expect(outside.json.message).toContain(
      'provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
    expect((await c.request('DELETE', `${SVC}/np-fixed`)).status).toBe(200);
    expect(
      (await create('np-clash', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] })).status,
    ).toBe(201);
  });

  it('keeps NodePorts across updates that omit them; switching to ClusterIP releases them', async () => {
    const r = await create('np-keep', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] });
    expect(r.status, r.text).toBe(201);
    const put = await c.request('PUT', `${SVC}/np-keep`, {
      ...r.json,
      spec: { ...r.json.spec, ports: [{ port: 80 }] },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.json.spec.ports[0].nodePort).toBe(30111);
    const patch = await c.request(
      'PATCH',
      `${SVC}/np-keep`,
      { metadata: { labels: { a: 'b' } } },
      { 'content-type': 'application/merge-patch+json' },
    );
    expect(patch.json.spec.ports[0].nodePort).toBe(30111);
    const toClusterIp = await c.request('PUT', `${SVC}/np-keep`, {
      ...patch.json,
      spec: { ...patch.json.spec, type: 'ClusterIP', ports: [{ port: 80 }] },
    });
    expect(toClusterIp.status, toClusterIp.text).toBe(200);
    expect(toClusterIp.json.spec.ports[0].nodePort).toBeUndefined();
    expect(
      (await create('np-take-over', { type: 'NodePort', ports: [{ port: 80, nodePort: 30111 }] })).status,
    ).toBe(201);
  });

  it('two services racing for one explicit port: exactly one wins', async () => {
    const results = await Promise.all(
      ['race-a', 'race-b', 'race-c'].map((name) =>
        create(name, { type: 'NodePort', ports: [{ port: 80, nodePort: 30500 }] }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect([409, 422]).toContain(r.status);
  });
});
