/**
 * Request authentication, as kube-apiserver's union of authenticators: the client certificate
 * first (verified by TLS against the cluster CA), then `Authorization: Bearer <token>` — a
 * bootstrap token or a service-account JWT. The first that succeeds decides.
 *
 * Contract:
 *  - a UserInfo: authenticated (always in system:authenticated);
 *  - null: no credentials at all. The caller answers 401 except on /livez, /readyz, /version —
 *    Pilothouse has no anonymous user;
 *  - an AuthError: credentials were presented and none is valid → 401, never anonymous.
 * Synchronous: lookups read the in-memory watch cache, and token signatures are checked with
 * Node's synchronous crypto (see service-account-token.ts), so no request waits on a promise here.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { KubeObject } from '../resources/types';
import { authenticateBootstrapToken, isBootstrapToken } from './bootstrap-token';
import { looksLikeJwt, verifyServiceAccountToken } from './service-account-token';
import { AuthError, type UserInfo } from './user';
import { authenticateClientCertificate } from './x509';

export interface AuthenticatorDeps {
  lookupSecret(namespace: string, name: string): KubeObject | undefined;
  lookupServiceAccount(namespace: string, name: string): KubeObject | undefined;
  /** Revokes pod-bound tokens with their pod; optional (without it they live until expiry). */
  lookupPod?(namespace: string, name: string): KubeObject | undefined;
  serviceAccountKey: { publicKeyPem: string; privateKeyPem: string };
  /** kube-apiserver --service-account-issuer; tokens from other issuers are refused. */
  issuer: string;
  /** kube-apiserver --api-audiences; default [issuer]. */
  audiences?: string[];
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export interface Authenticator {
  authenticate(req: IncomingMessage): UserInfo | null | AuthError;
  /**
   * A bearer token alone (TokenReview): the user and the audiences it is valid for among
   * `audiences` (default the API server's). Bootstrap tokens are audience-less, so they are
   * valid only for the API server's own audiences, as in Kubernetes.
   */
  authenticateToken(token: string, audiences?: string[]): { user: UserInfo; audiences: string[] } | AuthError;
}

export function createAuthenticator(deps: AuthenticatorDeps): Authenticator {
  const now = deps.now ?? Date.now;
  const apiAudiences = deps.audiences ?? [deps.issuer];
  const verifier = {
    publicKeyPem: deps.serviceAccountKey.publicKeyPem,
    issuer: deps.issuer,
    audiences: apiAudiences,
    lookupServiceAccount: deps.lookupServiceAccount,
    lookupSecret: deps.lookupSecret,
    lookupPod: deps.lookupPod,
  };

  function authenticateToken(
    token: string,
    audiences: string[] = apiAudiences,
  ): { user: UserInfo; audiences: string[] } | AuthError {
    if (isBootstrapToken(token)) {
      if (!audiences.every((a) => apiAudiences.includes(a))) {
        return new AuthError('bootstrap tokens are valid only for the API server');
      }
      const user = authenticateBootstrapToken(token, deps.lookupSecret, now());
      return user instanceof AuthError ? user : { user, audiences };
    }
    if (looksLikeJwt(token)) return verifyServiceAccountToken(token, verifier, now(), audiences);
    return new AuthError('unrecognised bearer token');
  }

  return {
    authenticateToken,
    authenticate(req) {
      const fromCert = authenticateClientCertificate(req.socket as TLSSocket);
      if (fromCert && !(fromCert instanceof AuthError)) return fromCert;
      const token = bearerToken(req.headers.authorization);
      if (token === undefined) return fromCert;
      const result = authenticateToken(token);
      return result instanceof AuthError ? result : result.user;
    },
  };
}

/** The token of `Authorization: Bearer <token>` (scheme case-insensitive), as Kubernetes reads it. */
export function bearerToken(header: string | undefined): string | undefined {
  const parts = (header ?? '').trim().split(' ');
  if (parts.length < 2 || parts[0]?.toLowerCase() !== 'bearer' || !parts[1]) return undefined;
  return parts[1];
}
