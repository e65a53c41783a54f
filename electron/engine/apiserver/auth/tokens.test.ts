import { createPublicKey, createSecretKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, importPKCS8, importSPKI, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors';
import { generateServiceAccountKey } from '../../pki/service-account';
import { keyId, verifyServiceAccountToken } from './service-account-token';
import { makeCache, makePod, serviceAccount } from './test-fixtures';
import { issueServiceAccountToken } from './tokens';
import { AuthError } from './user';

const KEY = generateServiceAccountKey();
const OTHER_KEY = generateServiceAccountKey();
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const NOW = Date.parse('2030-01-01T00:00:00Z');

function setup() {
  const cache = makeCache()
    .put('ServiceAccount', serviceAccount('default', 'robot', 'sa-uid'))
    .put('ServiceAccount', serviceAccount('default', 'other', 'other-uid'))
    .put('Pod', makePod('web').serviceAccount('robot').node('n1').obj())
    .put('Secret', { metadata: { namespace: 'default', name: 'bound', uid: 'secret-uid' } });
  const deps = {
    serviceAccountKey: KEY,
    issuer: ISSUER,
    lookupServiceAccount: cache.lookupServiceAccount,
    lookupPod: cache.lookupPod,
    lookupSecret: cache.lookupSecret,
    now: () => NOW,
  };
  const verifier = { ...deps, publicKeyPem: KEY.publicKeyPem };
  const issue = (body: unknown = {}, name = 'robot') => issueServiceAccountToken(deps, 'default', name, body);
  const verify = (token: string, at = NOW, audiences?: string[]) =>
    verifyServiceAccountToken(token, verifier, at, audiences);
  return { cache, deps, issue, verify };
}

const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>;

describe('issueServiceAccountToken', () => {
  it('answers a TokenRequest with Kubernetes-shaped claims, one hour by default', async () => {
    const { issue } = setup();
    const tr = await issue({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} });

    expect(tr).toMatchObject({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: { name: 'robot', namespace: 'default', creationTimestamp: '2030-01-01T00:00:00Z' },
      spec: { audiences: [ISSUER], expirationSeconds: 3600 },
      status: { expirationTimestamp: '2030-01-01T01:00:00Z' },
    });
    const token = tr.status?.token ?? '';
    expect(claimsOf(token)).toEqual({
      iss: ISSUER,
      sub: 'system:serviceaccount:default:robot',
      aud: [ISSUER],
      iat: NOW / 1000,
      nbf: NOW / 1000,
      exp: NOW / 1000 + 3600,
      jti: expect.stringMatching(/^[0-9a-f-]{36}$/),
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: 'sa-uid' } },
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: keyId(KEY.publicKeyPem) });
  });

  it('signs tokens jose verifies with the public key (ES256 interoperability)', async () => {
    const { issue } = setup();
    const token = (await issue()).status?.token ?? '';
    const { payload } = await jwtVerify(token, await importSPKI(KEY.publicKeyPem, 'ES256'), {
      issuer: ISSUER,
      audience: ISSUER,
      currentDate: new Date(NOW),
    });
    expect(payload.sub).toBe('system:serviceaccount:default:robot');
  });

  it('binds a token to a pod and names the pod in the user', async () => {
    const { issue, verify } = setup();
    const tr = await issue({
      spec: {
        boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'uid-web' },
        audiences: ['vault'],
      },
    });
    expect(claimsOf(tr.status?.token ?? '')['kubernetes.io']).toMatchObject({
      pod: { name: 'web', uid: 'uid-web' },
    });
    expect(verify(tr.status?.token ?? '', NOW, ['vault'])).toMatchObject({
      audiences: ['vault'],
      user: {
        extra: {
          'authentication.kubernetes.io/pod-name': ['web'],
          'authentication.kubernetes.io/pod-uid': ['uid-web'],
        },
      },
    });
  });

  it('cuts a request longer than the configured maximum', async () => {
    const { deps } = setup();
    const tr = await issueServiceAccountToken({ ...deps, maxExpirationSeconds: 7200 }, 'default', 'robot', {
      spec: { expirationSeconds: 86400 },
    });
    expect(tr.spec?.expirationSeconds).toBe(7200);
  });

  it.each([
    [
      'a lifetime under 10 minutes',
      { spec: { expirationSeconds: 599 } },
      'robot',
      422,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes',
    ],
    [
      'a lifetime over 2^32 seconds',
      { spec: { expirationSeconds: 2 ** 32 + 1 } },
      'robot',
      422,
      'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds',
    ],
    ['a missing service account', {}, 'ghost', 404, 'serviceaccounts "ghost" not found'],
    [
      'a pod running as another account',
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web' } } },
      'other',
      400,
      'cannot bind token for serviceaccount "other" to pod running with serviceaccount "robot"',
    ],
    [
      'a stale pod uid',
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web', uid: 'old' } } },
      'robot',
      409,
      'Operation cannot be fulfilled on Pod "web": the UID in the bound object reference (old) does not match the UID in record (uid-web). The object might have been deleted and then recreated',
    ],
    [
      'a missing bound pod',
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'gone' } } },
      'robot',
      404,
      'pods "gone" not found',
    ],
    [
      'a bound object of another kind',
      { spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Node', name: 'n1' } } },
      'robot',
      400,
      'cannot bind token to object of type /v1, Kind=Node',
    ],
    [
      'a body of another kind',
      { kind: 'Pod' },
      'robot',
      400,
      'the request body is a Pod, not a TokenRequest',
    ],
    [
      'a body that is no object',
      'token please',
      'robot',
      400,
      /must be an authentication.k8s.io\/v1 TokenRequest/,
    ],
  ])('refuses %s like kube-apiserver', async (_what, body, name, code, message) => {
    const { issue } = setup();
    const attempt = issue(body, name);
    await expect(attempt).rejects.toBeInstanceOf(ApiError);
    await expect(attempt).rejects.toMatchObject({
      code,
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    });
  });
});

describe('verifyServiceAccountToken', () => {
  it('authenticates a valid token as the service account', async () => {
    const { issue, verify } = setup();
    const result = verify((await issue()).status?.token ?? '');
    expect(result).toEqual({
      audiences: [ISSUER],
      user: {
        name: 'system:serviceaccount:default:robot',
        uid: 'sa-uid',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
        extra: { 'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^JTI=/)] },
      },
    });
  });

  /** A token jose signs with `key` and the given claim overrides (null removes a claim). */
  async function forged(overrides: Record<string, unknown>, key = KEY.privateKeyPem, alg = 'ES256') {
    const all: Record<string, unknown> = {
      iss: ISSUER,
      sub: 'system:serviceaccount:default:robot',
      aud: [ISSUER],
      iat: NOW / 1000,
      nbf: NOW / 1000,
      exp: NOW / 1000 + 3600,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: 'sa-uid' } },
      ...overrides,
    };
    const claims = Object.fromEntries(Object.entries(all).filter(([, v]) => v !== null));
    return new SignJWT(claims).setProtectedHeader({ alg }).sign(await importPKCS8(key, alg));
  }

  it('accepts a token jose signed with the cluster key (the verifier is not tied to our signer)', async () => {
    const { verify } = setup();
    expect(verify(await forged({}))).not.toBeInstanceOf(AuthError);
  });

  type Case = [string, (s: ReturnType<typeof setup>) => Promise<string> | string, RegExp, number?];
  const cases: Case[] = [
    [
      'expired (beyond the one-minute skew)',
      async (s) => (await s.issue()).status?.token ?? '',
      /has expired/,
      NOW + 3661_000,
    ],
    ['not valid yet', () => forged({ nbf: NOW / 1000 + 120 }), /not valid yet/],
    [
      'deleted service account',
      async (s) => {
        const token = (await s.issue()).status?.token ?? '';
        s.cache.remove('ServiceAccount', 'default', 'robot');
        return token;
      },
      /has been deleted/,
    ],
    [
      'recreated service account (uid mismatch)',
      async (s) => {
        const token = (await s.issue()).status?.token ?? '';
        s.cache.put('ServiceAccount', serviceAccount('default', 'robot', 'new-uid'));
        return token;
      },
      /service account UID \(new-uid\) does not match claim \(sa-uid\)/,
    ],
    [
      'deleted bound pod',
      async (s) => {
        const token =
          (await s.issue({ spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: 'web' } } })).status
            ?.token ?? '';
        s.cache.remove('Pod', 'default', 'web');
        return token;
      },
      /has been invalidated/,
    ],
    [
      'recreated bound secret',
      async (s) => {
        const token =
          (await s.issue({ spec: { boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name: 'bound' } } }))
            .status?.token ?? '';
        s.cache.put('Secret', { metadata: { namespace: 'default', name: 'bound', uid: 'new' } });
        return token;
      },
      /secret UID \(new\) does not match/,
    ],
    ['another audience', () => forged({ aud: ['vault'] }), /token audiences \["vault"\] is invalid/],
    ['another issuer', () => forged({ iss: 'https://elsewhere' }), /is not ours/],
    ['signed by another key', () => forged({}, OTHER_KEY.privateKeyPem), /invalid token signature/],
    [
      'a tampered payload',
      async () => {
        const [h, , sig] = (await forged({})).split('.');
        const payload = Buffer.from(
          JSON.stringify({ ...claimsOf(await forged({})), sub: 'system:serviceaccount:kube-system:admin' }),
        ).toString('base64url');
        return `${h}.${payload}.${sig}`;
      },
      /invalid token signature/,
    ],
    [
      'alg none',
      async () => {
        const [, p] = (await forged({})).split('.');
        return `${Buffer.from('{"alg":"none"}').toString('base64url')}.${p}.AAAA`;
      },
      /unsupported token algorithm "none"/,
    ],
    [
      'HS256 keyed with the public key',
      async () => {
        const spki = createPublicKey(KEY.publicKeyPem).export({ type: 'spki', format: 'pem' });
        const claims = claimsOf(await forged({}));
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'HS256' })
          .sign(createSecretKey(Buffer.from(spki)));
      },
      /unsupported token algorithm "HS256"/,
    ],
    [
      'a subject that disagrees with the claims',
      () => forged({ sub: 'system:serviceaccount:kube-system:admin' }),
      /does not match its claims/,
    ],
    [
      'no kubernetes.io claim',
      () => forged({ 'kubernetes.io': null }),
      /no kubernetes.io service account claim/,
    ],
    ['no exp', () => forged({ exp: null }), /no exp claim/],
    ['garbage', () => 'not.a.jwt', /malformed token/],
  ];
  it.each(cases)('rejects a token: %s', async (_what, make, message, at) => {
    const s = setup();
    const result = s.verify(await make(s), at);
    expect(result).toBeInstanceOf(AuthError);
    expect((result as AuthError).message).toMatch(message);
  });

  it('tolerates a minute of clock skew past exp', async () => {
    const { issue, verify } = setup();
    const token = (await issue()).status?.token ?? '';
    expect(verify(token, NOW + 3659_000)).not.toBeInstanceOf(AuthError);
  });
});
