/**
 * Who may talk to the etcd endpoint: only a client presenting a certificate from the cluster CA
 * — and, on Pilothouse's endpoint, only the etcd client identity (pilothouse-etcd-client), so
 * the admin's or a node's certificate from the same CA does not open the database. Real etcd
 * with --client-cert-auth is the oracle for the certificate-less and foreign-CA cases.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, issueCertificate } from '../../../pki/certs';
import {
  type PilothouseTarget,
  type Target,
  errorLine,
  etcdctl,
  startEtcdTarget,
  startPilothouseTarget,
} from './harness';

const TARGETS: [string, () => Promise<Target>][] = [
  ['pilothouse', startPilothouseTarget],
  ['real etcd', startEtcdTarget],
];

/** etcdctl retries a refused connection until its command timeout; keep that short here. */
const FAIL_FAST = ['--command-timeout', '2s'];

let strangerDir: string;
let stranger: { certFile: string; keyFile: string };
beforeAll(async () => {
  strangerDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-etcd-stranger-'));
  const ca = await createCertificateAuthority('stranger-ca');
  const cert = await issueCertificate(ca, {
    commonName: 'pilothouse-etcd-client',
    usages: ['clientAuth'],
    validityDays: 1,
  });
  stranger = { certFile: path.join(strangerDir, 'c.crt'), keyFile: path.join(strangerDir, 'c.key') };
  await fs.writeFile(stranger.certFile, cert.certPem);
  await fs.writeFile(stranger.keyFile, cert.keyPem, { mode: 0o600 });
});
afterAll(async () => {
  await fs.rm(strangerDir, { recursive: true, force: true });
});

/** A raw TLS handshake: 'ok' when the server accepted it, else the error code. */
function handshake(t: Target, opts: tls.ConnectionOptions): Promise<string> {
  const url = new URL(t.endpoint);
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port),
      ALPNProtocols: ['h2'],
      ...opts,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve('timeout');
    }, 5000);
    socket.once('secureConnect', () => {
      // TLS 1.3 reports a refused client certificate after the handshake: wait for it.
      socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
      socket.once('close', () => finish('closed'));
      setTimeout(() => finish('ok'), 300);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => finish(err.code ?? err.message));
    const finish = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
  });
}

describe.each(TARGETS)('the etcd endpoint of %s', (_name, start) => {
  let t: Target;
  beforeAll(async () => {
    t = await start();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves a client with the etcd client certificate', async () => {
    const r = await etcdctl(t, ['put', '/tls', 'ok']);
    expect(r.code).toBe(0);
    expect(await handshake(t, { ca: await fs.readFile(t.caFile), ...(await pair(t)) })).toBe('ok');
  });

  it('refuses a client without a certificate', async () => {
    const r = await etcdctl(t, ['get', '/tls'], {
      flags: [...FAIL_FAST, '--endpoints', t.endpoint, '--cacert', t.caFile],
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(await handshake(t, { ca: await fs.readFile(t.caFile) })).not.toBe('ok');
  });

  it('refuses a certificate from another CA', async () => {
    const flags = [
      ...FAIL_FAST,
      '--endpoints',
      t.endpoint,
      '--cacert',
      t.caFile,
      '--cert',
      stranger.certFile,
    ];
    const r = await etcdctl(t, ['get', '/tls'], { flags: [...flags, '--key', stranger.keyFile] });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('refuses plaintext', async () => {
    const r = await etcdctl(t, ['get', '/tls'], {
      flags: [...FAIL_FAST, '--endpoints', t.endpoint.replace('https:', 'http:')],
    });
    expect(r.code).not.toBe(0);
  });
});

async function pair(t: Target) {
  return { cert: await fs.readFile(t.certFile), key: await fs.readFile(t.keyFile) };
}

describe("Pilothouse's etcd endpoint", () => {
  let t: PilothouseTarget;
  beforeAll(async () => {
    t = await startPilothouseTarget();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('admits only the etcd client identity, saying why to others from the same CA', async () => {
    const asAdmin = ['--endpoints', t.endpoint, '--cacert', t.caFile, '--cert', t.paths.adminCert];
    const r = await etcdctl(t, ['get', '/tls'], { flags: [...asAdmin, '--key', t.paths.adminKey] });
    expect(r.code).not.toBe(0);
    expect(errorLine(r)).toBe(
      'Error: rpc error: code = PermissionDenied desc = pilothouse: this client certificate may not use the etcd endpoint; use the etcd client certificate (pki/etcd-client.crt)',
    );
  });

  it('does not take its own serving certificate as a client identity (no clientAuth usage)', async () => {
    const ca = await fs.readFile(t.caFile);
    const cert = await fs.readFile(t.paths.etcdServerCert);
    const key = await fs.readFile(t.paths.etcdServerKey);
    expect(await handshake(t, { ca, cert, key })).not.toBe('ok');
  });
});
