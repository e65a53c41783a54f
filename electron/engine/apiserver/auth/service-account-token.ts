/**
 * Service-account tokens: JWTs shaped like Kubernetes' bound tokens (pkg/serviceaccount), signed
 * ES256 with the cluster's service-account key.
 *
 * Verification is synchronous on purpose: authentication runs on every request against the
 * in-memory watch cache, and jose's verifier is async only because WebCrypto is. Node's
 * crypto.verify checks the same ES256 signature (raw r||s, "ieee-p1363") synchronously; the
 * tests prove both directions against jose (which signs the tokens, see tokens.ts).
 *
 * Checks, in Kubernetes' order: the issuer is ours (else the token is not ours to judge), the
 * signature, an audience we accept, exp/nbf with one minute of clock skew (go-jose's default
 * leeway), then the referenced ServiceAccount (and bound Pod or Secret) still exists with the
 * uid in the token, so deleting the account revokes every token it was given.
 */
import { type KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import type { KubeObject } from '../resources/types';
import {
  AuthError,
  GROUP_SERVICE_ACCOUNTS,
  SERVICE_ACCOUNT_USER_PREFIX,
  type UserInfo,
  withAuthenticated,
} from './user';

/** Kubernetes' default --service-account-issuer in kubeadm clusters (and its API audience). */
export const DEFAULT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
/** go-jose's DefaultLeeway, which Kubernetes' validator uses for exp and nbf. */
export const CLOCK_SKEW_SECONDS = 60;

/** Extra keys Kubernetes sets on users from bound tokens. */
export const EXTRA = {
  podName: 'authentication.kubernetes.io/pod-name',
  podUid: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUid: 'authentication.kubernetes.io/node-uid',
  credentialId: 'authentication.kubernetes.io/credential-id',
} as const;

interface Ref {
  name: string;
  uid: string;
}

/** The private claim under `kubernetes.io`. */
export interface KubernetesClaim {
  namespace: string;
  serviceaccount: Ref;
  pod?: Ref;
  secret?: Ref;
  node?: Ref;
}

export interface ServiceAccountClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti?: string;
  'kubernetes.io': KubernetesClaim;
}

export interface ServiceAccountVerifier {
  publicKeyPem: string;
  issuer: string;
  /** Audiences the API server accepts (kube-apiserver --api-audiences); default [issuer]. */
  audiences?: string[];
  lookupServiceAccount(namespace: string, name: string): KubeObject | undefined;
  lookupSecret(namespace: string, name: string): KubeObject | undefined;
  /** Checks pod-bound tokens against their pod; without it they live until they expire. */
  lookupPod?(namespace: string, name: string): KubeObject | undefined;
}

/** Whether the token is a compact JWS at all (three base64url parts). */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
}

/** Kubernetes' key id: base64url(SHA-256(DER SubjectPublicKeyInfo)). */
export function keyId(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * Verify a service-account token for the given audiences (default: the API server's). Returns
 * the user and the audiences it was accepted for, or why not.
 */
export function verifyServiceAccountToken(
  token: string,
  v: ServiceAccountVerifier,
  nowMs: number,
  audiences: string[] = v.audiences ?? [v.issuer],
): { user: UserInfo; audiences: string[] } | AuthError {
  const parts = looksLikeJwt(token) ? token.split('.') : [];
  const [headerB64 = '', payloadB64 = '', signatureB64 = ''] = parts;
  const header = decodeJson(headerB64);
  const payload = decodeJson(payloadB64);
  if (!header || !payload) return new AuthError('malformed token');
  if (payload.iss !== v.issuer)
    return new AuthError(`token issuer ${JSON.stringify(payload.iss)} is not ours`);
  // Only ES256: "none", HMAC keyed with the public key and other algorithm swaps fail here.
  if (header.alg !== 'ES256' || header.crit !== undefined) {
    return new AuthError(`unsupported token algorithm ${JSON.stringify(header.alg)}`);
  }
  const signature = Buffer.from(signatureB64, 'base64url');
  const signed = Buffer.from(`${headerB64}.${payloadB64}`, 'ascii');
  if (
    signature.length !== 64 ||
    !verify('sha256', signed, { key: publicKey(v.publicKeyPem), dsaEncoding: 'ieee-p1363' }, signature)
  ) {
    return new AuthError('invalid token signature');
  }
  const claims = readClaims(payload);
  if (typeof claims === 'string') return new AuthError(claims);

  const accepted = claims.aud.filter((a) => audiences.includes(a));
  if (accepted.length === 0) {
    return new AuthError(
      `token audiences ${JSON.stringify(claims.aud)} is invalid for the target audiences ${JSON.stringify(audiences)}`,
    );
  }
  const now = Math.floor(nowMs / 1000);
  if (now > claims.exp + CLOCK_SKEW_SECONDS) return new AuthError('service account token has expired');
  if (now < claims.nbf - CLOCK_SKEW_SECONDS) return new AuthError('service account token is not valid yet');

  const k = claims['kubernetes.io'];
  const username = `${SERVICE_ACCOUNT_USER_PREFIX}${k.namespace}:${k.serviceaccount.name}`;
  if (claims.sub !== username) return new AuthError(`token subject ${claims.sub} does not match its claims`);
  const stale = (obj: KubeObject) => deletedBefore(obj, nowMs - CLOCK_SKEW_SECONDS * 1000);
  const sa = v.lookupServiceAccount(k.namespace, k.serviceaccount.name);
  if (!sa || stale(sa))
    return new AuthError(`service account ${k.namespace}/${k.serviceaccount.name} has been deleted`);
  if (sa.metadata?.uid !== k.serviceaccount.uid) {
    return new AuthError(
      `service account UID (${String(sa.metadata?.uid)}) does not match claim (${k.serviceaccount.uid})`,
    );
  }
  const bound: [Ref | undefined, typeof v.lookupSecret | undefined, string][] = [
    [k.secret, v.lookupSecret, 'secret'],
    [k.pod, v.lookupPod?.bind(v), 'pod'],
  ];
  for (const [ref, lookup, what] of bound) {
    if (!ref || !lookup) continue;
    const obj = lookup(k.namespace, ref.name);
    if (!obj || stale(obj)) return new AuthError('service account token has been invalidated');
    if (obj.metadata?.uid !== ref.uid) {
      return new AuthError(
        `${what} UID (${String(obj.metadata?.uid)}) does not match service account ${what} ref claim (${ref.uid})`,
      );
    }
  }

  const extra: Record<string, string[]> = {};
  if (k.pod) {
    extra[EXTRA.podName] = [k.pod.name];
    extra[EXTRA.podUid] = [k.pod.uid];
  }
  if (k.node) {
    extra[EXTRA.nodeName] = [k.node.name];
    if (k.node.uid) extra[EXTRA.nodeUid] = [k.node.uid];
  }
  if (claims.jti) extra[EXTRA.credentialId] = [`JTI=${claims.jti}`];
  const user: UserInfo = {
    name: username,
    uid: k.serviceaccount.uid,
    groups: withAuthenticated([GROUP_SERVICE_ACCOUNTS, `${GROUP_SERVICE_ACCOUNTS}:${k.namespace}`]),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
  return { user, audiences: accepted };
}

const keys = new Map<string, KeyObject>();
function publicKey(pem: string): KeyObject {
  let key = keys.get(pem);
  if (!key) {
    key = createPublicKey(pem);
    keys.set(pem, key);
  }
  return key;
}

function decodeJson(b64: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The claims in their typed form, or what is missing. */
function readClaims(p: Record<string, unknown>): ServiceAccountClaims | string {
  const aud = typeof p.aud === 'string' ? [p.aud] : p.aud;
  if (!Array.isArray(aud) || !aud.every((a) => typeof a === 'string')) return 'token has no audience';
  for (const c of ['exp', 'iat', 'nbf'] as const) {
    if (typeof p[c] !== 'number') return `token has no ${c} claim`;
  }
  const k = p['kubernetes.io'] as Partial<KubernetesClaim> | undefined;
  const isRef = (r: unknown): r is Ref =>
    typeof r === 'object' &&
    r !== null &&
    typeof (r as Ref).name === 'string' &&
    typeof (r as Ref).uid === 'string';
  if (!k || typeof k.namespace !== 'string' || !isRef(k.serviceaccount)) {
    return 'token has no kubernetes.io service account claim';
  }
  for (const r of [k.pod, k.secret])
    if (r !== undefined && !isRef(r)) return 'token has a malformed bound object';
  return {
    iss: p.iss as string,
    sub: typeof p.sub === 'string' ? p.sub : '',
    aud: aud as string[],
    exp: p.exp as number,
    iat: p.iat as number,
    nbf: p.nbf as number,
    ...(typeof p.jti === 'string' ? { jti: p.jti } : {}),
    'kubernetes.io': k as KubernetesClaim,
  };
}

/** Deleted (deletionTimestamp set) before `ms`: Kubernetes lets in-flight requests finish. */
function deletedBefore(obj: KubeObject, ms: number): boolean {
  const at = obj.metadata?.deletionTimestamp;
  return at !== undefined && Date.parse(at) < ms;
}
