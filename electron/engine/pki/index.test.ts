import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type DataPaths, dataPaths } from '../config';
import { EngineError } from '../errors';
import { createCertificateAuthority } from './certs';
import { type ClusterPki, ETCD_CLIENT_CN, apiserverNames, ensureClusterPki, firstServiceIp } from './index';

const OPTS = { serviceClusterIpRange: '10.43.0.0/16', tlsSans: [] as string[] };

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function freshPaths(): Promise<DataPaths> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-pki-'));
  tempDirs.push(dir);
  return dataPaths(dir);
}

/** A data dir whose PKI has been created once. */
async function existingPki(): Promise<{ paths: DataPaths; first: ClusterPki }> {
  const paths = await freshPaths();
  return { paths, first: await ensureClusterPki(paths, OPTS) };
}

const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;
const openssl = (pem: string) => new X509Certificate(pem);

describe('ensureClusterPki', () => {
  it('creates the CA, the API server, admin and etcd pairs in a fresh data dir', async () => {
    const paths = await freshPaths();
    const pki = await ensureClusterPki(paths, OPTS);

    expect(pki.actions).toEqual([
      'ca: created',
      'kube-apiserver: created',
      'pilothouse-admin: created',
      'pilothouse-etcd-server: created',
      'pilothouse-etcd-client: created',
      'service-account key: created',
    ]);
    expect(await fs.readFile(paths.caCert, 'utf8')).toBe(pki.ca.certPem);
    expect(await fs.readFile(paths.caKey, 'utf8')).toBe(pki.ca.keyPem);
    expect(await fs.readFile(paths.apiserverCert, 'utf8')).toBe(pki.apiserver.certPem);
    expect(await fs.readFile(paths.apiserverKey, 'utf8')).toBe(pki.apiserver.keyPem);
    expect(await fs.readFile(paths.adminCert, 'utf8')).toBe(pki.admin.certPem);
    expect(await fs.readFile(paths.adminKey, 'utf8')).toBe(pki.admin.keyPem);
    expect(await fs.readFile(paths.etcdServerCert, 'utf8')).toBe(pki.etcdServer.certPem);
    expect(await fs.readFile(paths.etcdServerKey, 'utf8')).toBe(pki.etcdServer.keyPem);
    expect(await fs.readFile(paths.etcdClientCert, 'utf8')).toBe(pki.etcdClient.certPem);
    expect(await fs.readFile(paths.etcdClientKey, 'utf8')).toBe(pki.etcdClient.keyPem);
    expect(await fs.readFile(paths.serviceAccountKey, 'utf8')).toBe(pki.serviceAccount.privateKeyPem);
    expect(await fs.readFile(paths.serviceAccountPub, 'utf8')).toBe(pki.serviceAccount.publicKeyPem);
  });

  it('keeps keys private: key files 0600, the pki dir 0700', async () => {
    const { paths } = await existingPki();
    expect(await mode(paths.pki)).toBe(0o700);
    for (const key of [
      paths.caKey,
      paths.apiserverKey,
      paths.adminKey,
      paths.etcdServerKey,
      paths.etcdClientKey,
      paths.serviceAccountKey,
    ]) {
      expect({ key, mode: await mode(key) }).toEqual({ key, mode: 0o600 });
    }
  });

  it('tightens a pki dir that already exists with looser permissions', async () => {
    const paths = await freshPaths();
    await fs.mkdir(paths.pki, { mode: 0o755 });
    await fs.chmod(paths.pki, 0o755);
    await ensureClusterPki(paths, OPTS);
    expect(await mode(paths.pki)).toBe(0o700);
  });

  it('issues an API server certificate for the in-cluster and loopback names', async () => {
    const { first } = await existingPki();
    const cert = openssl(first.apiserver.certPem);
    expect(cert.subject).toBe('CN=kube-apiserver');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.verify(openssl(first.ca.certPem).publicKey)).toBe(true);
    for (const host of ['localhost', 'kubernetes', 'kubernetes.default.svc.cluster.local']) {
      expect(cert.checkHost(host)).toBe(host);
    }
    for (const ip of ['127.0.0.1', '::1', '10.43.0.1']) expect(cert.checkIP(ip)).toBe(ip);
  });

  it('issues an admin client certificate in system:masters', async () => {
    const { first } = await existingPki();
    const cert = openssl(first.admin.certPem);
    expect(cert.subject).toBe('O=system:masters\nCN=pilothouse-admin');
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(cert.checkIssued(openssl(first.ca.certPem))).toBe(true);
  });

  it('issues the etcd endpoint a loopback-only serving certificate and one client identity', async () => {
    const { first } = await existingPki();
    const server = openssl(first.etcdServer.certPem);
    expect(server.subject).toBe('CN=pilothouse-etcd-server');
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(server.checkHost('localhost')).toBe('localhost');
    for (const ip of ['127.0.0.1', '::1']) expect(server.checkIP(ip)).toBe(ip);
    expect(server.checkHost('kubernetes')).toBeUndefined();
    const client = openssl(first.etcdClient.certPem);
    expect(client.subject).toBe(`CN=${ETCD_CLIENT_CN}`);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    for (const cert of [server, client]) expect(cert.checkIssued(openssl(first.ca.certPem))).toBe(true);
  });

  it('reuses everything on a second start', async () => {
    const { paths, first } = await existingPki();
    const second = await ensureClusterPki(paths, OPTS);

    expect(second.actions).toEqual([
      'ca: reused',
      'kube-apiserver: reused',
      'pilothouse-admin: reused',
      'pilothouse-etcd-server: reused',
      'pilothouse-etcd-client: reused',
      'service-account key: reused',
    ]);
    expect(second.etcdServer.certPem).toBe(first.etcdServer.certPem);
    expect(second.etcdClient.keyPem).toBe(first.etcdClient.keyPem);
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.apiserver.certPem).toBe(first.apiserver.certPem);
    expect(second.apiserver.keyPem).toBe(first.apiserver.keyPem);
    expect(second.admin.certPem).toBe(first.admin.certPem);
    expect(await fs.readFile(paths.apiserverCert, 'utf8')).toBe(first.apiserver.certPem);
  });

  it('reissues only the API server certificate when a tls-san is added, keeping the CA', async () => {
    const { paths, first } = await existingPki();
    const second = await ensureClusterPki(paths, { ...OPTS, tlsSans: ['pilothouse.example', '192.0.2.7'] });

    expect(second.actions).toEqual([
      'ca: reused',
      'kube-apiserver: reissued: does not cover pilothouse.example, 192.0.2.7',
      'pilothouse-admin: reused',
      'pilothouse-etcd-server: reused',
      'pilothouse-etcd-client: reused',
      'service-account key: reused',
    ]);
    expect(second.ca.certPem).toBe(first.ca.certPem);
    expect(second.admin.certPem).toBe(first.admin.certPem);
    expect(second.apiserver.certPem).not.toBe(first.apiserver.certPem);
    const cert = openssl(await fs.readFile(paths.apiserverCert, 'utf8'));
    expect(cert.checkHost('pilothouse.example')).toBe('pilothouse.example');
    expect(cert.checkIP('192.0.2.7')).toBe('192.0.2.7');
    expect(cert.verify(openssl(first.ca.certPem).publicKey)).toBe(true);
  });

  it('reissues an unreadable API server certificate', async () => {
    const { paths, first } = await existingPki();
    await fs.writeFile(paths.apiserverCert, 'not a certificate');
    const second = await ensureClusterPki(paths, OPTS);

    expect(second.actions[1]).toMatch(/^kube-apiserver: reissued: unreadable \(.+\)$/);
    expect(second.actions[2]).toBe('pilothouse-admin: reused');
    const cert = openssl(await fs.readFile(paths.apiserverCert, 'utf8'));
    expect(cert.verify(openssl(first.ca.certPem).publicKey)).toBe(true);
    expect(await fs.readFile(paths.apiserverKey, 'utf8')).toBe(second.apiserver.keyPem);
  });

  it.each([
    ['an unparsable key', async () => 'not a key'],
    ['the key of another certificate', async (paths: DataPaths) => fs.readFile(paths.adminKey, 'utf8')],
  ])('reissues the API server pair when its key file holds %s', async (_what, badKey) => {
    const { paths, first } = await existingPki();
    await fs.writeFile(paths.apiserverKey, await badKey(paths));
    const second = await ensureClusterPki(paths, OPTS);

    expect(second.actions[1]).toBe(
      'kube-apiserver: reissued: its key is unreadable or belongs to another certificate',
    );
    expect(second.apiserver.certPem).not.toBe(first.apiserver.certPem);
    // The new pair works together: a TLS server accepts them.
    expect(() =>
      tls.createSecureContext({ cert: second.apiserver.certPem, key: second.apiserver.keyPem }),
    ).not.toThrow();
    expect(second.actions[0]).toBe('ca: reused');
  });

  it('recreates a deleted etcd client pair and leaves the rest alone', async () => {
    const { paths, first } = await existingPki();
    await fs.rm(paths.etcdClientCert);
    const second = await ensureClusterPki(paths, OPTS);

    expect(second.actions.slice(3)).toEqual([
      'pilothouse-etcd-server: reused',
      'pilothouse-etcd-client: created',
      'service-account key: reused',
    ]);
    expect(second.etcdClient.certPem).not.toBe(first.etcdClient.certPem);
    expect(await fs.readFile(paths.etcdClientKey, 'utf8')).toBe(second.etcdClient.keyPem);
    expect(await mode(paths.etcdClientKey)).toBe(0o600);
  });

  it('reissues a leaf signed by a CA other than the one on disk', async () => {
    const { paths, first } = await existingPki();
    const stranger = await ensureClusterPki(await freshPaths(), OPTS);
    await fs.writeFile(paths.adminCert, stranger.admin.certPem);
    await fs.writeFile(paths.adminKey, stranger.admin.keyPem);
    const second = await ensureClusterPki(paths, OPTS);

    expect(second.actions[2]).toBe('pilothouse-admin: reissued: not signed by the current CA');
    expect(openssl(second.admin.certPem).verify(openssl(first.ca.certPem).publicKey)).toBe(true);
  });

  it.each([
    ['ca.key is deleted while ca.crt exists', (p: DataPaths) => fs.rm(p.caKey), /ca\.key is missing/],
    ['ca.crt is deleted while ca.key exists', (p: DataPaths) => fs.rm(p.caCert), /ca\.crt is missing/],
    [
      'ca.key belongs to another CA',
      async (p: DataPaths) => fs.writeFile(p.caKey, (await createCertificateAuthority('x')).keyPem),
      /cannot be used \(the CA key does not match the CA certificate\)/,
    ],
  ])('refuses to replace the CA when %s (PKI_INVALID)', async (_name, damage, message) => {
    const { paths, first } = await existingPki();
    await damage(paths);

    const attempt = ensureClusterPki(paths, OPTS);
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({
      code: 'PKI_INVALID',
      message: expect.stringMatching(message),
    });
    // Nothing was regenerated behind the user's back.
    expect(await fs.readFile(paths.apiserverCert, 'utf8')).toBe(first.apiserver.certPem);
  });
});

describe('apiserverNames / firstServiceIp', () => {
  it('covers loopback, the kubernetes Service names and IP, the host name and extras once each', () => {
    const names = apiserverNames('10.43.0.0/16', ['extra.example', 'localhost']);
    expect(names).toEqual(
      expect.arrayContaining([
        'localhost',
        '127.0.0.1',
        '::1',
        'kubernetes.default.svc.cluster.local',
        '10.43.0.1',
        os.hostname(),
        'extra.example',
      ]),
    );
    expect(new Set(names).size).toBe(names.length);
  });

  it.each([
    ['10.43.0.0/16', '10.43.0.1'],
    ['10.96.0.0/12', '10.96.0.1'],
    ['172.20.5.0/24', '172.20.5.1'],
  ])('the first service IP of %s is %s', (cidr, ip) => {
    expect(firstServiceIp(cidr)).toBe(ip);
  });

  it.each(['', 'nonsense', 'fd00::/108'])('rejects the service range %j', (cidr) => {
    expect(() => firstServiceIp(cidr)).toThrow(EngineError);
  });
});

describe('TLS with the issued certificates', () => {
  const servers: https.Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  async function serve(options: https.ServerOptions): Promise<number> {
    // Answers who the client is, or why its certificate was not accepted.
    const server = https.createServer(options, (req, res) => {
      const socket = req.socket as TLSSocket;
      const peer = socket.getPeerCertificate();
      if (!peer.subject) res.end('hello');
      else if (socket.authorized) res.end(`hello ${peer.subject.CN}`);
      else res.end(`refused ${peer.subject.CN}: ${String(socket.authorizationError)}`);
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  function get(port: number, options: https.RequestOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/', agent: false, ...options }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve(body));
        })
        .on('error', reject);
    });
  }

  it('serves HTTPS that a client trusting the cluster CA accepts, by name and by IP', async () => {
    const { first } = await existingPki();
    const port = await serve({ key: first.apiserver.keyPem, cert: first.apiserver.certPem });

    await expect(get(port, { ca: first.ca.certPem, servername: 'localhost' })).resolves.toBe('hello');
    await expect(get(port, { ca: first.ca.certPem })).resolves.toBe('hello');
  });

  it('is refused by a client trusting a different CA', async () => {
    const { first } = await existingPki();
    const stranger = await createCertificateAuthority('stranger-ca');
    const port = await serve({ key: first.apiserver.keyPem, cert: first.apiserver.certPem });

    await expect(get(port, { ca: stranger.certPem, servername: 'localhost' })).rejects.toMatchObject({
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
  });

  it('is refused for a name the certificate does not cover', async () => {
    const { first } = await existingPki();
    const port = await serve({ key: first.apiserver.keyPem, cert: first.apiserver.certPem });

    await expect(get(port, { ca: first.ca.certPem, servername: 'elsewhere.example' })).rejects.toMatchObject({
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  it('authenticates the admin client certificate with mutual TLS', async () => {
    const { first } = await existingPki();
    const port = await serve({
      key: first.apiserver.keyPem,
      cert: first.apiserver.certPem,
      ca: first.ca.certPem,
      requestCert: true,
      // Let the handler report the verdict instead of dropping the connection.
      rejectUnauthorized: false,
    });

    await expect(
      get(port, {
        ca: first.ca.certPem,
        servername: 'localhost',
        key: first.admin.keyPem,
        cert: first.admin.certPem,
      }),
    ).resolves.toBe('hello pilothouse-admin');
    // The serving certificate lacks clientAuth, so it must not pass as a client identity.
    await expect(
      get(port, {
        ca: first.ca.certPem,
        servername: 'localhost',
        key: first.apiserver.keyPem,
        cert: first.apiserver.certPem,
      }),
    ).resolves.toBe('refused kube-apiserver: INVALID_PURPOSE');
  });
});
