/**
 * A throwaway CA with a loopback server certificate and a client certificate, written as PEM
 * files for tests that run real etcd (or the embedded gRPC server) with mutual TLS.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCertificateAuthority, issueCertificate } from '../../pki/certs';

export interface TlsFiles {
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  clientCertFile: string;
  clientKeyFile: string;
}

/** Writes the files under `dir` (created 0700; keys 0600). The client certificate's CN is `clientName`. */
export async function writeTestTlsFiles(dir: string, clientName = 'root'): Promise<TlsFiles> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCertificateAuthority('pilothouse-test-ca', 2);
  const server = await issueCertificate(ca, {
    commonName: 'etcd-server',
    usages: ['serverAuth', 'clientAuth'],
    subjectAltNames: ['127.0.0.1', 'localhost'],
    validityDays: 2,
  });
  const client = await issueCertificate(ca, {
    commonName: clientName,
    usages: ['clientAuth'],
    validityDays: 2,
  });
  const files: TlsFiles = {
    caFile: join(dir, 'ca.crt'),
    serverCertFile: join(dir, 'server.crt'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
  };
  await writeFile(files.caFile, ca.certPem);
  await writeFile(files.serverCertFile, server.certPem);
  await writeFile(files.serverKeyFile, server.keyPem, { mode: 0o600 });
  await writeFile(files.clientCertFile, client.certPem);
  await writeFile(files.clientKeyFile, client.keyPem, { mode: 0o600 });
  return files;
}
