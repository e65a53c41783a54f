import type { TLSSocket } from 'node:tls';
import { AuthError, type UserInfo, withAuthenticated } from './user';

/**
 * Authenticate from the client certificate, as kube-apiserver's x509 authenticator: the TLS layer
 * verified it against the cluster CA (including the clientAuth usage); CN is the user, each O a
 * group. Null when no certificate (or one without a CN) was presented; an AuthError when one was
 * presented and did not verify (expired, another CA, a serving certificate).
 */
export function authenticateClientCertificate(socket: TLSSocket): UserInfo | null | AuthError {
  // A connection's certificate never changes: decode it once per socket, not per request
  // (getPeerCertificate builds a fresh object each call; kept-alive clients send thousands).
  const cached = bySocket.get(socket);
  if (cached !== undefined) return cached;
  const result = fromCertificate(socket);
  bySocket.set(socket, result);
  return result;
}

const bySocket = new WeakMap<TLSSocket, UserInfo | null | AuthError>();

function fromCertificate(socket: TLSSocket): UserInfo | null | AuthError {
  const cert = socket.getPeerCertificate?.();
  if (!cert || !cert.subject) return null;
  if (!socket.authorized) {
    return new AuthError(`client certificate rejected: ${String(socket.authorizationError)}`);
  }
  const field = (v: string | string[] | undefined): string[] =>
    v === undefined ? [] : Array.isArray(v) ? v : [v];
  const [name] = field(cert.subject.CN);
  if (!name) return null;
  return { name, groups: withAuthenticated(field(cert.subject.O)) };
}
