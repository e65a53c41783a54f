import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound } from '../../../kube/errors';
import { R } from '../../../kube/resources';
import { setPodState } from '../job/test-pods';
import { type ControllerTest, startControllerTest, waitFor } from '../testing';
import { HEADLESS_LABEL, createEndpointsController } from './endpoints-controller';

const NS = 'default';
let t: ControllerTest;
const pods = () => t.client.resource<Pod>(R.pods);
const services = () => t.client.resource<Service>(R.services);
const endpoints = () => t.client.resource<Endpoints>(R.endpoints);

beforeAll(async () => {
  t = await startControllerTest([createEndpointsController]);
});
afterAll(async () => {
  await t.stop();
});

/** Fixture builder for pods, reported by a stand-in kubelet once created. */
function makePod(name: string) {
  const pod: Pod = {
    metadata: { name, labels: {} },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox', ports: [] }] },
  };
  let ip = '';
  let ready = false;
  const spec = pod.spec as NonNullable<Pod['spec']>;
  const b = {
    labels(l: Record<string, string>) {
      pod.metadata = { ...pod.metadata, labels: l };
      return b;
    },
    port(name: string, containerPort: number) {
      spec.containers[0]?.ports?.push({ name, containerPort });
      return b;
    },
    host(hostname: string, subdomain: string) {
      spec.hostname = hostname;
      spec.subdomain = subdomain;
      return b;
    },
    ip(v: string) {
      ip = v;
      return b;
    },
    ready(v = true) {
      ready = v;
      return b;
    },
    async create(): Promise<Pod> {
      await pods().create(NS, pod);
      return setPodState(t.client, NS, name, { phase: 'Running', podIP: ip, ready });
    },
  };
  return b;
}

function makeService(
  name: string,
  selector: Record<string, string> | undefined,
  ports: Service['spec'] = {},
) {
  return services().create(NS, { metadata: { name, labels: { team: 'a' } }, spec: { selector, ...ports } });
}

async function waitForEndpoints(name: string, check: (ep: Endpoints) => boolean): Promise<Endpoints> {
  return waitFor(`endpoints ${name}`, async () => {
    try {
      const ep = await endpoints().get(NS, name);
      return check(ep) ? ep : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  });
}
const ips = (list: { ip: string }[] | undefined) => (list ?? []).map((a) => a.ip);

describe('endpoints controller', () => {
  it('lists ready and not-ready pods, resolves named target ports, and follows readiness', async () => {
    await makePod('web-1').labels({ app: 'web' }).port('http', 8080).ip('10.42.0.5').ready().create();
    await makePod('web-2').labels({ app: 'web' }).port('http', 8080).ip('10.42.0.6').create();
    await makePod('db-1').labels({ app: 'db' }).port('http', 8080).ip('10.42.0.7').ready().create();
    await makeService('web', { app: 'web' }, { ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
    const ep = await waitForEndpoints(
      'web',
      (e) =>
        ips(e.subsets?.[0]?.addresses).length === 1 && ips(e.subsets?.[0]?.notReadyAddresses).length === 1,
    );
    expect(ep.metadata?.labels).toEqual({ team: 'a' });
    expect(ep.subsets).toHaveLength(1);
    const ss = ep.subsets?.[0];
    expect(ss?.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(ss?.addresses?.[0]).toMatchObject({
      ip: '10.42.0.5',
      nodeName: 'n1',
      targetRef: { kind: 'Pod', namespace: NS, name: 'web-1' },
    });
    expect(ips(ss?.notReadyAddresses)).toEqual(['10.42.0.6']);
    // Readiness flips move addresses between the lists.
    await setPodState(t.client, NS, 'web-2', { ready: true });
    await setPodState(t.client, NS, 'web-1', { ready: false });
    const flipped = await waitForEndpoints(
      'web',
      (e) => ips(e.subsets?.[0]?.addresses).join() === '10.42.0.6',
    );
    expect(ips(flipped.subsets?.[0]?.notReadyAddresses)).toEqual(['10.42.0.5']);
    // A pod that is deleted leaves; the Endpoints go with the Service.
    await pods().delete(NS, 'web-2', { gracePeriodSeconds: 0 });
    await waitForEndpoints('web', (e) => ips(e.subsets?.[0]?.addresses).length === 0);
    await services().delete(NS, 'web');
    await waitFor('endpoints deleted', async () => {
      try {
        await endpoints().get(NS, 'web');
        return false;
      } catch (err) {
        return isNotFound(err);
      }
    });
  });

  it('publishNotReadyAddresses lists not-ready pods as ready', async () => {
    await makePod('pub-1').labels({ app: 'pub' }).ip('10.42.1.1').create();
    await services().create(NS, {
      metadata: { name: 'pub' },
      spec: { selector: { app: 'pub' }, publishNotReadyAddresses: true, ports: [{ port: 5000 }] },
    });
    const ep = await waitForEndpoints('pub', (e) => ips(e.subsets?.[0]?.addresses).length === 1);
    expect(ep.subsets?.[0]?.notReadyAddresses).toBeUndefined();
    expect(ep.subsets?.[0]?.ports).toEqual([{ port: 5000, protocol: 'TCP' }]);
  });

  it('groups pods by resolved ports: a named port that resolves differently makes another subset', async () => {
    await makePod('multi-1').labels({ app: 'multi' }).port('web', 8080).ip('10.42.2.1').ready().create();
    await makePod('multi-2').labels({ app: 'multi' }).port('web', 9090).ip('10.42.2.2').ready().create();
    await makePod('multi-3').labels({ app: 'multi' }).ip('10.42.2.3').ready().create();
    await makeService('multi', { app: 'multi' }, { ports: [{ name: 'web', port: 80, targetPort: 'web' }] });
    const ep = await waitForEndpoints('multi', (e) => (e.subsets ?? []).length === 2);
    const byPort = Object.fromEntries((ep.subsets ?? []).map((s) => [s.ports?.[0]?.port, ips(s.addresses)]));
    // multi-3 has no port named "web": it is in no subset.
    expect(byPort).toEqual({ 8080: ['10.42.2.1'], 9090: ['10.42.2.2'] });
  });

  it('headless services without ports list addresses, with hostnames in their subdomain', async () => {
    await makePod('h-0').labels({ app: 'h' }).host('h-0', 'h').ip('10.42.3.1').ready().create();
    await makePod('h-1').labels({ app: 'h' }).ip('10.42.3.2').ready().create();
    await services().create(NS, {
      metadata: { name: 'h' },
      spec: { clusterIP: 'None', selector: { app: 'h' } },
    });
    const ep = await waitForEndpoints('h', (e) => ips(e.subsets?.[0]?.addresses).length === 2);
    expect(ep.metadata?.labels?.[HEADLESS_LABEL]).toBe('');
    expect(ep.subsets?.[0]?.ports).toBeUndefined();
    expect(ep.subsets?.[0]?.addresses?.map((a) => a.hostname)).toEqual(['h-0', undefined]);
  });

  it('leaves the Endpoints of a Service without a selector to the user', async () => {
    await makeService('manual', undefined, { ports: [{ port: 80 }] });
    await endpoints().create(NS, {
      metadata: { name: 'manual' },
      subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ port: 80 }] }],
    });
    // A selected service's sync in between shows the controller is running.
    await makePod('marker').labels({ app: 'marker' }).ip('10.42.4.1').ready().create();
    await makeService('marker', { app: 'marker' }, { ports: [{ port: 80 }] });
    await waitForEndpoints('marker', (e) => ips(e.subsets?.[0]?.addresses).length === 1);
    const manual = await endpoints().get(NS, 'manual');
    expect(ips(manual.subsets?.[0]?.addresses)).toEqual(['192.0.2.10']);
  });
});
