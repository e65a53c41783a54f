import type { TLSSocket } from 'node:tls';

/** Who made a request, as Kubernetes' user.Info. */
export interface UserInfo {
  name: string;
  groups: string[];
}

/**
 * Authenticate from the client certificate the TLS layer verified against the cluster CA
 * (CN = user, O = groups, as kube-apiserver's x509 authenticator). Bearer tokens join here with
 * the API server (node bootstrap tokens, service accounts). Null means anonymous.
 */
export function authenticate(socket: TLSSocket): UserInfo | null {
  if (!socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.subject) return null;
  const field = (v: string | string[] | undefined): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v : [v];
  const [name] = field(cert.subject.CN);
  if (!name) return null;
  return { name, groups: [...field(cert.subject.O), 'system:authenticated'] };
}
