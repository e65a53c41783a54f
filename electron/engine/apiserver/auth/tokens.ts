/**
 * Issuing credentials: service-account tokens for the TokenRequest subresource
 * (`POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token`, what `kubectl create token` and
 * the kubelet's projected volumes call), and bootstrap tokens for node join.
 */
import { createPrivateKey, randomInt, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { BoundObjectReference, TokenRequest } from 'kubernetes-types/authentication/v1';
import { ApiError, badRequest, conflict, notFound } from '../errors';
import { nowTimestamp } from '../registry/object-meta';
import type { KubeObject } from '../resources/types';
import {
  BOOTSTRAP_GROUP_PATTERN,
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  KEY,
} from './bootstrap-token';
import { type ServiceAccountClaims, keyId } from './service-account-token';
import { SERVICE_ACCOUNT_USER_PREFIX } from './user';

/** TokenRequest's default spec.expirationSeconds (SetDefaults_TokenRequestSpec). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** The shortest token Kubernetes issues (validation.MinTokenAgeSec). */
export const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 2 ** 32;

export interface TokenIssuerDeps {
  serviceAccountKey: { privateKeyPem: string; publicKeyPem: string };
  issuer: string;
  /** Audiences when the request names none (kube-apiserver --api-audiences); default [issuer]. */
  audiences?: string[];
  /** kube-apiserver --service-account-max-token-expiration: longer requests are cut to it. */
  maxExpirationSeconds?: number;
  lookupServiceAccount(namespace: string, name: string): KubeObject | undefined;
  lookupPod(namespace: string, name: string): KubeObject | undefined;
  lookupSecret(namespace: string, name: string): KubeObject | undefined;
  now?: () => number;
}

/**
 * Handle a TokenRequest for service account `namespace/name`. `body` is the decoded request body
 * (unvalidated). Resolves to the TokenRequest with spec defaulted and status.token and
 * status.expirationTimestamp set; rejects with an ApiError as kube-apiserver would answer:
 * 404 for a missing account or bound object, 422 Invalid for a lifetime under 10 minutes or over
 * 2^32 seconds, 400 for a bound object of another kind or another service account's pod, 409
 * when the bound object's uid is stale.
 */
export async function issueServiceAccountToken(
  deps: TokenIssuerDeps,
  namespace: string,
  name: string,
  body: unknown,
): Promise<TokenRequest> {
  const request = readTokenRequest(body);
  const sa = deps.lookupServiceAccount(namespace, name);
  if (!sa) throw notFound({ group: '', plural: 'serviceaccounts' }, name);
  const spec = request.spec ?? { audiences: [] };
  let seconds = spec.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
  const problem =
    seconds < MIN_TOKEN_SECONDS
      ? 'may not specify a duration less than 10 minutes'
      : seconds > MAX_TOKEN_SECONDS
        ? 'may not specify a duration larger than 2^32 seconds'
        : undefined;
  if (problem) throw invalidTokenRequest(seconds, problem);
  if (deps.maxExpirationSeconds !== undefined) seconds = Math.min(seconds, deps.maxExpirationSeconds);

  const ref = spec.boundObjectRef ?? undefined;
  const bound = ref ? boundObject(deps, namespace, name, ref) : undefined;
  const audiences = spec.audiences?.length ? spec.audiences : (deps.audiences ?? [deps.issuer]);
  const iat = Math.floor((deps.now ?? Date.now)() / 1000);
  const claims: ServiceAccountClaims = {
    iss: deps.issuer,
    sub: `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`,
    aud: audiences,
    exp: iat + seconds,
    iat,
    nbf: iat,
    jti: randomUUID(),
    'kubernetes.io': {
      namespace,
      serviceaccount: { name, uid: sa.metadata?.uid ?? '' },
      ...(bound ? { [bound.kind]: { name: bound.name, uid: bound.uid } } : {}),
    },
  };
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: keyId(deps.serviceAccountKey.publicKeyPem) })
    .sign(signingKey(deps.serviceAccountKey.privateKeyPem));
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: rfc3339(iat) },
    spec: { audiences, expirationSeconds: seconds, ...(ref ? { boundObjectRef: ref } : {}) },
    status: { token, expirationTimestamp: rfc3339(iat + seconds) },
  };
}

function readTokenRequest(body: unknown): TokenRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('the request body must be an authentication.k8s.io/v1 TokenRequest');
  }
  const tr = body as TokenRequest & { kind?: unknown; spec?: unknown };
  if (tr.kind !== undefined && tr.kind !== 'TokenRequest') {
    throw badRequest(`the request body is a ${String(tr.kind)}, not a TokenRequest`);
  }
  const spec = (tr.spec ?? {}) as unknown as Record<string, unknown>;
  const audiences = spec.audiences ?? [];
  if (!Array.isArray(audiences) || !audiences.every((a) => typeof a === 'string')) {
    throw badRequest('spec.audiences must be a list of strings');
  }
  const seconds = spec.expirationSeconds;
  if (seconds !== undefined && seconds !== null && !Number.isSafeInteger(seconds)) {
    throw badRequest('spec.expirationSeconds must be an integer');
  }
  const ref = spec.boundObjectRef;
  if (ref !== undefined && ref !== null && (typeof ref !== 'object' || Array.isArray(ref))) {
    throw badRequest('spec.boundObjectRef must be an object');
  }
  return tr;
}

/** Kubernetes' NewInvalid for TokenRequest (it names no object: `TokenRequest… ""`). */
function invalidTokenRequest(seconds: number, problem: string): ApiError {
  const message = `Invalid value: ${seconds}: ${problem}`;
  return new ApiError(
    422,
    'Invalid',
    `TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: ${message}`,
    {
      group: 'authentication.k8s.io',
      kind: 'TokenRequest',
      causes: [{ reason: 'FieldValueInvalid', message, field: 'spec.expirationSeconds' }],
    },
  );
}

/** The Pod or Secret a token is bound to, checked as Kubernetes' TokenREST does. */
function boundObject(
  deps: TokenIssuerDeps,
  namespace: string,
  saName: string,
  ref: BoundObjectReference,
): { kind: 'pod' | 'secret'; name: string; uid: string } {
  const group = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion ?? '').split('/')[0] : '';
  const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
  const refName = ref.name ?? '';
  let found: { kind: 'pod' | 'secret'; obj: KubeObject | undefined; plural: string };
  if (group === '' && ref.kind === 'Pod') {
    found = { kind: 'pod', obj: deps.lookupPod(namespace, refName), plural: 'pods' };
  } else if (group === '' && ref.kind === 'Secret') {
    found = { kind: 'secret', obj: deps.lookupSecret(namespace, refName), plural: 'secrets' };
  } else {
    throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${String(ref.kind)}`);
  }
  if (!found.obj) throw notFound({ group: '', plural: found.plural }, refName);
  if (found.kind === 'pod') {
    const podSa = (found.obj.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName;
    if (podSa !== saName) {
      throw badRequest(
        `cannot bind token for serviceaccount ${JSON.stringify(saName)} to pod running with serviceaccount ${JSON.stringify(podSa ?? '')}`,
      );
    }
  }
  const uid = found.obj.metadata?.uid ?? '';
  if (ref.uid && ref.uid !== uid) {
    throw conflict(
      { group: '', plural: String(ref.kind) },
      refName,
      `the UID in the bound object reference (${ref.uid}) does not match the UID in record (${uid}). The object might have been deleted and then recreated`,
    );
  }
  return { kind: found.kind, name: refName, uid };
}

const signingKeys = new Map<string, ReturnType<typeof createPrivateKey>>();
function signingKey(pem: string) {
  let key = signingKeys.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    signingKeys.set(pem, key);
  }
  return key;
}

/** Seconds since the epoch as Kubernetes writes times: RFC 3339, whole seconds, UTC. */
const rfc3339 = (seconds: number): string => nowTimestamp(seconds * 1000);

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomChars = (n: number) =>
  Array.from({ length: n }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('');

export interface BootstrapToken {
  id: string;
  secret: string;
  /** `<id>.<secret>`, what the joining node sends as its bearer token. */
  token: string;
}

/** A fresh bootstrap token: 6 + 16 characters from a CSPRNG (about 82 bits in the secret). */
export function newBootstrapToken(): BootstrapToken {
  const id = randomChars(6);
  const secret = randomChars(16);
  return { id, secret, token: `${id}.${secret}` };
}

/**
 * The Secret that makes a bootstrap token valid, as kubeadm writes it. `ttlSeconds` ≤ 0 means it
 * never expires (kubeadm's --ttl 0). `groups` must match system:bootstrappers:… (the
 * authenticator rejects anything else, so this throws instead of writing a useless token).
 */
export function bootstrapTokenSecret(
  id: string,
  secret: string,
  ttlSeconds: number,
  groups: string[] = [],
  now: number = Date.now(),
): KubeObject {
  if (!/^[a-z0-9]{6}$/.test(id) || !/^[a-z0-9]{16}$/.test(secret)) {
    throw new Error('a bootstrap token is 6 and 16 characters of [a-z0-9]');
  }
  const bad = groups.filter((g) => !BOOTSTRAP_GROUP_PATTERN.test(g));
  if (bad.length > 0)
    throw new Error(`bootstrap token groups must match system:bootstrappers:…; got ${bad.join(', ')}`);
  const data: Record<string, string> = {
    [KEY.description]: 'Pilothouse node join token',
    [KEY.id]: id,
    [KEY.secret]: secret,
    [KEY.usageAuthentication]: 'true',
  };
  if (ttlSeconds > 0) data[KEY.expiration] = rfc3339(Math.floor(now / 1000) + ttlSeconds);
  if (groups.length > 0) data[KEY.extraGroups] = groups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BOOTSTRAP_TOKEN_SECRET_PREFIX + id, namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  };
}
