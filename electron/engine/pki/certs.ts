/**
 * Certificate authority and leaf certificates for the cluster, on @peculiar/x509 over Node's
 * WebCrypto. Keys are ECDSA P-256 (fast to generate, accepted by kubectl, client-go, etcd and
 * OpenSSL); keys are PKCS#8 PEM, certificates PEM.
 */
// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createPrivateKey, createPublicKey, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
const crypto = webcrypto;
// @peculiar/x509 is typed against the DOM's Crypto; Node's WebCrypto implements the same API.
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateAuthority {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
  key: CryptoKey;
}

export interface IssuedCertificate {
  cert: x509.X509Certificate;
  certPem: string;
  keyPem: string;
}

export interface LeafSpec {
  commonName: string;
  /** Kubernetes reads O= as the user's groups (e.g. system:masters). */
  organizations?: string[];
  usages: ('serverAuth' | 'clientAuth')[];
  /** DNS names and IP addresses, mixed; IPs are recognised. */
  subjectAltNames?: string[];
  validityDays: number;
}

function distinguishedName(commonName: string, organizations: string[] = []): x509.JsonName {
  return [...organizations.map((o) => ({ O: [o] })), { CN: [commonName] }];
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = await crypto.subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

function validity(days: number, now: Date): { notBefore: Date; notAfter: Date } {
  // Back-date by an hour so a host whose clock is slightly behind still accepts the certificate.
  return {
    notBefore: new Date(now.getTime() - 60 * 60 * 1000),
    notAfter: new Date(now.getTime() + days * DAY_MS),
  };
}

export async function createCertificateAuthority(
  commonName: string,
  validityDays = 3650,
  now = new Date(),
): Promise<CertificateAuthority> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: distinguishedName(commonName),
    keys,
    signingAlgorithm: ALGORITHM,
    ...validity(validityDays, now),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    cert,
    certPem: cert.toString('pem'),
    keyPem: await exportKeyPem(keys.privateKey),
    key: keys.privateKey,
  };
}

export async function loadCertificateAuthority(
  certPem: string,
  keyPem: string,
): Promise<CertificateAuthority> {
  const cert = new x509.X509Certificate(certPem);
  const key = await crypto.subtle.importKey('pkcs8', x509.PemConverter.decodeFirst(keyPem), ALGORITHM, true, [
    'sign',
  ]);
  // A key that does not belong to the certificate would issue certificates nobody can verify.
  if (!keyMatchesCertificate(keyPem, cert)) throw new Error('the CA key does not match the CA certificate');
  return { cert, certPem, keyPem, key };
}

/** Whether `keyPem` is the private half of the certificate's public key (false if unparsable). */
export function keyMatchesCertificate(keyPem: string, cert: x509.X509Certificate): boolean {
  try {
    const derived = createPublicKey(createPrivateKey(keyPem)).export({ type: 'spki', format: 'der' });
    return derived.equals(Buffer.from(cert.publicKey.rawData));
  } catch {
    return false;
  }
}

export async function issueCertificate(
  ca: CertificateAuthority,
  spec: LeafSpec,
  now = new Date(),
): Promise<IssuedCertificate> {
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const names = (spec.subjectAltNames ?? []).map((value) => ({
    type: isIP(value) ? ('ip' as const) : ('dns' as const),
    // Canonical spelling: @peculiar/x509 mis-encodes dotted IPv4-mapped IPv6 (::ffff:10.0.0.5).
    value: canonicalName(value),
  }));
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(
      x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
      true,
    ),
    new x509.ExtendedKeyUsageExtension(
      spec.usages.map((u) =>
        u === 'serverAuth' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ),
    ),
    await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
  ];
  if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names));
  const cert = await x509.X509CertificateGenerator.create({
    subject: distinguishedName(spec.commonName, spec.organizations),
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.key,
    signingAlgorithm: ALGORITHM,
    ...validity(spec.validityDays, now),
    extensions,
  });
  return { cert, certPem: cert.toString('pem'), keyPem: await exportKeyPem(keys.privateKey) };
}

/** DNS names and IPs a certificate is valid for, IPs in canonical form (see canonicalName). */
export function subjectAltNames(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!ext) return [];
  return ext.names.toJSON().map((n) => canonicalName(n.value));
}

/** One spelling per address: IPv6 compressed and lower-case (0:0:…:1 → ::1), names lower-case. */
export function canonicalName(name: string): string {
  if (isIP(name) === 6) return new URL(`http://[${name}]/`).hostname.slice(1, -1);
  return name.toLowerCase();
}

/**
 * Why an existing leaf can no longer be used, or null when it is fine: not signed by this CA,
 * expiring within `renewWithinDays`, or missing a required name.
 */
export async function leafProblem(
  ca: CertificateAuthority,
  cert: x509.X509Certificate,
  requiredNames: string[],
  renewWithinDays: number,
  now = new Date(),
): Promise<string | null> {
  if (!(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }))) {
    return 'not signed by the current CA';
  }
  if (cert.notAfter.getTime() - now.getTime() < renewWithinDays * DAY_MS) {
    return `expires ${cert.notAfter.toISOString()}`;
  }
  const have = new Set(subjectAltNames(cert));
  const missing = requiredNames.filter((n) => !have.has(canonicalName(n)));
  return missing.length > 0 ? `does not cover ${missing.join(', ')}` : null;
}
