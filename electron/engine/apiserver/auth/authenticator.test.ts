/**
 * The authenticator behind a real HTTPS server on loopback, with certificates from the cluster
 * PKI code: what TLS verified is what authentication sees.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateAuthority,
  type IssuedCertificate,
  createCertificateAuthority,
  issueCertificate,
} from '../../pki/certs';
import { generateServiceAccountKey } from '../../pki/service-account';
import { bearerToken, createAuthenticator } from './authenticator';
import { makeCache, serviceAccount } from './test-fixtures';
import { bootstrapTokenSecret, issueServiceAccountToken, newBootstrapToken } from './tokens';
import { AuthError } from './user';

const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const SA_KEY = generateServiceAccountKey();
const cache = makeCache().put('ServiceAccount', serviceAccount('default', 'robot', 'sa-uid'));
const bootstrap = newBootstrapToken();
cache.put('Secret', bootstrapTokenSecret(bootstrap.id, bootstrap.secret, 3600));
const authenticator = createAuthenticator({
  lookupSecret: cache.lookupSecret,
  lookupServiceAccount: cache.lookupServiceAccount,
  serviceAccountKey: SA_KEY,
  issuer: ISSUER,
});

let ca: CertificateAuthority;
let serving: IssuedCertificate;
const clients: Record<string, IssuedCertificate> = {};
let server: https.Server;
let port: number;
let saToken: string;

beforeAll(async () => {
  ca = await createCertificateAuthority('test-ca');
  const stranger = await createCertificateAuthority('stranger-ca');
  serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    usages: ['serverAuth'],
    subjectAltNames: ['127.0.0.1'],
    validityDays: 1,
  });
  const client = (authority: CertificateAuthority, commonName: string, organizations: string[] = []) =>
    issueCertificate(authority, { commonName, organizations, usages: ['clientAuth'], validityDays: 1 });
  clients.admin = await client(ca, 'pilothouse-admin', ['system:masters']);
  clients.node = await client(ca, 'system:node:n1', ['system:nodes']);
  clients.stranger = await client(stranger, 'pilothouse-admin', ['system:masters']);
  clients.expired = await issueCertificate(
    ca,
    { commonName: 'old', usages: ['clientAuth'], validityDays: 1 },
    new Date(Date.now() - 3 * 86_400_000),
  );
  clients.serving = serving;
  saToken =
    (
      await issueServiceAccountToken(
        { ...cache, serviceAccountKey: SA_KEY, issuer: ISSUER },
        'default',
        'robot',
        {},
      )
    ).status?.token ?? '';

  server = https.createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const result = authenticator.authenticate(req);
      const body =
        result === null
          ? { none: true }
          : result instanceof AuthError
            ? { error: result.message }
            : { user: result };
      res.end(JSON.stringify(body));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

function call(opts: { cert?: IssuedCertificate; authorization?: string }): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    https
      .get(
        {
          host: '127.0.0.1',
          port,
          path: '/api',
          agent: false,
          ca: ca.certPem,
          ...(opts.cert ? { cert: opts.cert.certPem, key: opts.cert.keyPem } : {}),
          headers: opts.authorization ? { authorization: opts.authorization } : {},
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(JSON.parse(body) as Record<string, unknown>));
        },
      )
      .on('error', reject);
  });
}

describe('createAuthenticator over TLS', () => {
  it.each([
    [
      'the admin certificate',
      'admin',
      { name: 'pilothouse-admin', groups: ['system:masters', 'system:authenticated'] },
    ],
    [
      'a node certificate',
      'node',
      { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] },
    ],
  ])('authenticates %s: CN is the user, O the groups', async (_what, cert, user) => {
    expect(await call({ cert: clients[cert] })).toEqual({ user });
  });

  it.each([
    ['from another CA', 'stranger', /UNABLE_TO_VERIFY_LEAF_SIGNATURE|unable to verify/i],
    ['that expired', 'expired', /CERT_HAS_EXPIRED/],
    ['without clientAuth (the serving certificate)', 'serving', /INVALID_PURPOSE/],
  ])('rejects a client certificate %s (401, not anonymous)', async (_what, cert, message) => {
    const result = await call({ cert: clients[cert] });
    expect(result.error).toMatch(message);
  });

  it('finds no credentials on a bare request (the caller decides: 401 or an open path)', async () => {
    expect(await call({})).toEqual({ none: true });
  });

  it('authenticates a bootstrap token', async () => {
    expect(await call({ authorization: `Bearer ${bootstrap.token}` })).toEqual({
      user: {
        name: `system:bootstrap:${bootstrap.id}`,
        groups: ['system:bootstrappers', 'system:authenticated'],
      },
    });
  });

  it('authenticates a service-account token', async () => {
    expect(await call({ authorization: `Bearer ${saToken}` })).toMatchObject({
      user: { name: 'system:serviceaccount:default:robot', uid: 'sa-uid' },
    });
  });

  it.each([
    ['a wrong bootstrap secret', () => `Bearer ${bootstrap.id}.0000000000000000`],
    ['an unknown bootstrap id', () => 'Bearer zzzzzz.0000000000000000'],
    ['a token of no known shape', () => 'Bearer hunter2'],
    ['a forged JWT', () => `Bearer ${saToken.slice(0, -4)}AAAA`],
  ])('rejects %s (401, never anonymous)', async (_what, authorization) => {
    expect(await call({ authorization: authorization() })).toHaveProperty('error');
  });

  it('takes a valid certificate over a bad token, and a valid token over a bad certificate', async () => {
    expect(await call({ cert: clients.admin, authorization: 'Bearer hunter2' })).toMatchObject({
      user: { name: 'pilothouse-admin' },
    });
    expect(await call({ cert: clients.stranger, authorization: `Bearer ${saToken}` })).toMatchObject({
      user: { name: 'system:serviceaccount:default:robot' },
    });
  });
});

describe('bearerToken', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['  Bearer abc  ', 'abc'],
    ['Bearer  abc', undefined],
    ['Bearer', undefined],
    ['Basic dXNlcjpwdw==', undefined],
    [undefined, undefined],
  ])('reads %j as %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });
});

describe('authenticateToken (TokenReview)', () => {
  it('accepts bootstrap tokens only for the API server audience', () => {
    expect(authenticator.authenticateToken(bootstrap.token)).toMatchObject({ audiences: [ISSUER] });
    expect(authenticator.authenticateToken(bootstrap.token, ['vault'])).toBeInstanceOf(AuthError);
  });
});
