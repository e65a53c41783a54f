import { X509Certificate, createPrivateKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateAuthority,
  type LeafSpec,
  canonicalName,
  createCertificateAuthority,
  issueCertificate,
  leafProblem,
  loadCertificateAuthority,
} from './certs';

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const DAY_MS = 24 * 60 * 60 * 1000;

/** Node's own (OpenSSL's) view of a PEM certificate: an independent check of what we generate. */
const openssl = (pem: string) => new X509Certificate(pem);

function leafSpec(overrides: Partial<LeafSpec> = {}): LeafSpec {
  return {
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    subjectAltNames: ['localhost', '127.0.0.1', '::1', 'kubernetes.default.svc'],
    validityDays: 365,
    ...overrides,
  };
}

let ca: CertificateAuthority;
let otherCa: CertificateAuthority;
beforeAll(async () => {
  [ca, otherCa] = await Promise.all([
    createCertificateAuthority('test-ca'),
    createCertificateAuthority('other-ca'),
  ]);
});

describe('createCertificateAuthority', () => {
  it('is self-signed with CA basic constraints', () => {
    const cert = openssl(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe('CN=test-ca');
    expect(cert.issuer).toBe('CN=test-ca');
    expect(cert.checkIssued(cert)).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('is valid from an hour before now for the requested number of days', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const shortCa = await createCertificateAuthority('short', 10, now);
    expect(shortCa.cert.notBefore).toEqual(new Date('2030-06-01T11:00:00Z'));
    expect(shortCa.cert.notAfter).toEqual(new Date('2030-06-11T12:00:00Z'));
  });

  it('exports its key as PKCS#8 PEM', () => {
    expect(ca.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });
});

describe('issueCertificate', () => {
  it('issues a leaf that verifies against the CA and is not a CA itself', async () => {
    const leaf = openssl((await issueCertificate(ca, leafSpec())).certPem);
    const caCert = openssl(ca.certPem);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(openssl(otherCa.certPem).publicKey)).toBe(false);
  });

  it('covers its DNS names and IP addresses, as the right SAN types', async () => {
    const leaf = openssl((await issueCertificate(ca, leafSpec())).certPem);
    expect(leaf.checkHost('localhost')).toBe('localhost');
    expect(leaf.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkHost('example.com')).toBeUndefined();
    expect(leaf.checkIP('10.0.0.1')).toBeUndefined();
    expect(leaf.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(leaf.subjectAltName).not.toContain('DNS:127.0.0.1');
  });

  it('encodes an IPv4-mapped IPv6 address written with dots correctly, and sees it as covered', async () => {
    const issued = await issueCertificate(ca, leafSpec({ subjectAltNames: ['::ffff:10.0.0.5'] }));
    expect(openssl(issued.certPem).checkIP('::ffff:10.0.0.5')).toBeDefined();
    await expect(leafProblem(ca, issued.cert, ['::ffff:10.0.0.5'], 30)).resolves.toBeNull();
  });

  it('has no SAN extension when no names are asked for', async () => {
    const leaf = openssl((await issueCertificate(ca, leafSpec({ subjectAltNames: [] }))).certPem);
    expect(leaf.subjectAltName).toBeUndefined();
  });

  it.each([
    [['serverAuth'], [SERVER_AUTH]],
    [['clientAuth'], [CLIENT_AUTH]],
    [
      ['serverAuth', 'clientAuth'],
      [SERVER_AUTH, CLIENT_AUTH],
    ],
  ] as const)('usages %j give extended key usages %j', async (usages, oids) => {
    const leaf = openssl((await issueCertificate(ca, leafSpec({ usages: [...usages] }))).certPem);
    // Node names the extended key usage list `keyUsage`.
    expect([...leaf.keyUsage].sort()).toEqual([...oids].sort());
  });

  it('puts organizations into the subject as O= before CN=', async () => {
    const admin = await issueCertificate(
      ca,
      leafSpec({
        commonName: 'pilothouse-admin',
        organizations: ['system:masters', 'team:ops'],
        usages: ['clientAuth'],
      }),
    );
    expect(openssl(admin.certPem).subject).toBe('O=system:masters\nO=team:ops\nCN=pilothouse-admin');
    expect(openssl(admin.certPem).issuer).toBe('CN=test-ca');
  });

  it('issues a fresh key per certificate that matches the certificate', async () => {
    const [a, b] = await Promise.all([issueCertificate(ca, leafSpec()), issueCertificate(ca, leafSpec())]);
    expect(a.keyPem).not.toBe(b.keyPem);
    expect(openssl(a.certPem).checkPrivateKey(createPrivateKey(a.keyPem))).toBe(true);
    expect(openssl(a.certPem).checkPrivateKey(createPrivateKey(b.keyPem))).toBe(false);
  });
});

describe('loadCertificateAuthority', () => {
  it('loads a matching pair, which then issues certificates the original CA verifies', async () => {
    const loaded = await loadCertificateAuthority(ca.certPem, ca.keyPem);
    const leaf = openssl((await issueCertificate(loaded, leafSpec())).certPem);
    expect(leaf.verify(openssl(ca.certPem).publicKey)).toBe(true);
  });

  it('rejects a key that does not belong to the certificate', async () => {
    await expect(loadCertificateAuthority(ca.certPem, otherCa.keyPem)).rejects.toThrow(
      'the CA key does not match the CA certificate',
    );
  });

  it('rejects a key that is not PEM', async () => {
    await expect(loadCertificateAuthority(ca.certPem, 'not a key')).rejects.toThrow();
  });
});

describe('leafProblem', () => {
  it('returns null for a fitting certificate', async () => {
    const leaf = await issueCertificate(ca, leafSpec());
    await expect(leafProblem(ca, leaf.cert, ['localhost', '127.0.0.1'], 30)).resolves.toBeNull();
  });

  it('reports a certificate signed by another CA', async () => {
    const leaf = await issueCertificate(otherCa, leafSpec());
    await expect(leafProblem(ca, leaf.cert, [], 30)).resolves.toBe('not signed by the current CA');
  });

  it.each([
    ['a short-lived certificate, now', 10, 0],
    ['a yearly certificate, 340 days on', 365, 340],
  ])('reports expiry within the renewal window: %s', async (_name, validityDays, daysLater) => {
    const leaf = await issueCertificate(ca, leafSpec({ validityDays }));
    const now = new Date(Date.now() + daysLater * DAY_MS);
    await expect(leafProblem(ca, leaf.cert, [], 30, now)).resolves.toBe(
      `expires ${leaf.cert.notAfter.toISOString()}`,
    );
  });

  it('accepts a certificate just outside the renewal window', async () => {
    const leaf = await issueCertificate(ca, leafSpec({ validityDays: 365 }));
    const now = new Date(Date.now() + 330 * DAY_MS);
    await expect(leafProblem(ca, leaf.cert, [], 30, now)).resolves.toBeNull();
  });

  it('lists the required names the certificate does not cover', async () => {
    const leaf = await issueCertificate(ca, leafSpec());
    await expect(leafProblem(ca, leaf.cert, ['localhost', 'node1.example', '10.0.0.9'], 30)).resolves.toBe(
      'does not cover node1.example, 10.0.0.9',
    );
  });

  it.each([
    ['::1', '0:0:0:0:0:0:0:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['fe80::a', 'FE80:0:0:0:0:0:0:A'],
    ['LocalHost', 'localhost'],
  ])('treats SAN %s and required name %s as the same', async (san, required) => {
    const leaf = await issueCertificate(ca, leafSpec({ subjectAltNames: [san] }));
    await expect(leafProblem(ca, leaf.cert, [required], 30)).resolves.toBeNull();
  });
});

describe('canonicalName', () => {
  it.each([
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::1', '::1'],
    ['FE80:0:0:0:0:0:0:1', 'fe80::1'],
    ['127.0.0.1', '127.0.0.1'],
    ['Kubernetes.Default', 'kubernetes.default'],
  ])('%s → %s', (name, canonical) => {
    expect(canonicalName(name)).toBe(canonical);
  });
});
