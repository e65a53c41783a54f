import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../resources/types';
import { authenticateBootstrapToken, isBootstrapToken } from './bootstrap-token';
import { makeCache } from './test-fixtures';
import { bootstrapTokenSecret, newBootstrapToken } from './tokens';
import { AuthError } from './user';

const NOW = Date.parse('2030-01-01T00:00:00Z');
const ID = 'abcdef';
const SECRET = '0123456789abcdef';
const TOKEN = `${ID}.${SECRET}`;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** A bootstrap token Secret as kubeadm writes it, with `data` overrides (plain text, null = absent). */
function secret(data: Record<string, string | null> = {}, extra: Partial<KubeObject> = {}): KubeObject {
  const plain: Record<string, string | null> = {
    'token-id': ID,
    'token-secret': SECRET,
    expiration: '2030-01-01T01:00:00Z',
    'usage-bootstrap-authentication': 'true',
    'auth-extra-groups': 'system:bootstrappers:pilothouse:default-node-token',
    ...data,
  };
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${ID}`, namespace: 'kube-system' },
    type: 'bootstrap.kubernetes.io/token',
    data: Object.fromEntries(Object.entries(plain).flatMap(([k, v]) => (v === null ? [] : [[k, b64(v)]]))),
    ...extra,
  };
}

function authenticate(token: string, stored: KubeObject | undefined) {
  const cache = makeCache();
  if (stored) cache.put('Secret', stored);
  return authenticateBootstrapToken(token, cache.lookupSecret, NOW);
}

describe('authenticateBootstrapToken', () => {
  it('authenticates a valid token as system:bootstrap:<id> with sorted groups', () => {
    expect(authenticate(TOKEN, secret())).toEqual({
      name: 'system:bootstrap:abcdef',
      groups: [
        'system:bootstrappers',
        'system:bootstrappers:pilothouse:default-node-token',
        'system:authenticated',
      ],
    });
  });

  it.each([
    ['no expiration', { expiration: null }],
    ['an expiration with fractional seconds and an offset', { expiration: '2030-01-01T02:00:00.5+01:00' }],
    ['no extra groups', { 'auth-extra-groups': null }],
  ])('accepts a Secret with %s', (_what, data) => {
    expect(authenticate(TOKEN, secret(data))).not.toBeInstanceOf(AuthError);
  });

  it.each([
    ['the Secret does not exist', TOKEN, undefined, /does not exist/],
    ['the token secret is wrong', `${ID}.fffffffffffffff0`, secret(), /wrong token secret/],
    [
      'the token expired',
      TOKEN,
      secret({ expiration: '2029-12-31T23:59:59Z' }),
      /expired at 2029-12-31T23:59:59Z/,
    ],
    ['the token expires this very moment', TOKEN, secret({ expiration: '2030-01-01T00:00:00Z' }), /expired/],
    ['the expiration is unreadable', TOKEN, secret({ expiration: 'tomorrow' }), /unreadable expiration/],
    [
      'authentication usage is not enabled',
      TOKEN,
      secret({ 'usage-bootstrap-authentication': 'false' }),
      /not marked/,
    ],
    ['token-id disagrees with the name', TOKEN, secret({ 'token-id': 'zzzzzz' }), /token-id does not match/],
    [
      'an extra group is outside system:bootstrappers:',
      TOKEN,
      secret({ 'auth-extra-groups': 'system:masters' }),
      /invalid extra group system:masters/,
    ],
    ['the Secret has another type', TOKEN, secret({}, { type: 'Opaque' }), /has type Opaque/],
    [
      'the Secret is being deleted',
      TOKEN,
      secret(
        {},
        {
          metadata: {
            name: `bootstrap-token-${ID}`,
            namespace: 'kube-system',
            deletionTimestamp: '2029-01-01T00:00:00Z',
          },
        },
      ),
      /being deleted/,
    ],
    ['the token is malformed', 'ABCDEF.0123456789abcdef', secret(), /not a bootstrap token/],
  ])('rejects when %s', (_what, token, stored, message) => {
    const result = authenticate(token, stored);
    expect(result).toBeInstanceOf(AuthError);
    expect((result as AuthError).message).toMatch(message);
  });

  it.each([
    ['abcdef.0123456789abcdef', true],
    ['abcde.0123456789abcdef', false],
    ['abcdef.0123456789abcde', false],
    ['abcdef0123456789abcdef', false],
    ['Abcdef.0123456789abcdef', false],
    ['abcdef.0123456789abcdef ', false],
  ])('isBootstrapToken(%j) = %s', (token, expected) => {
    expect(isBootstrapToken(token)).toBe(expected);
  });
});

describe('newBootstrapToken / bootstrapTokenSecret', () => {
  it('makes distinct tokens of the bootstrap shape', () => {
    const tokens = Array.from({ length: 20 }, () => newBootstrapToken());
    for (const t of tokens) {
      expect(t.token).toBe(`${t.id}.${t.secret}`);
      expect(isBootstrapToken(t.token)).toBe(true);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(tokens.length);
  });

  it('writes a Secret the authenticator accepts until its TTL runs out', () => {
    const t = newBootstrapToken();
    const s = bootstrapTokenSecret(t.id, t.secret, 3600, ['system:bootstrappers:pilothouse:nodes'], NOW);
    expect(s.metadata).toEqual({ name: `bootstrap-token-${t.id}`, namespace: 'kube-system' });
    expect(Buffer.from((s.data as Record<string, string>).expiration ?? '', 'base64').toString()).toBe(
      '2030-01-01T01:00:00Z',
    );
    const cache = makeCache().put('Secret', s);

    expect(authenticateBootstrapToken(t.token, cache.lookupSecret, NOW + 3599_000)).toMatchObject({
      name: `system:bootstrap:${t.id}`,
      groups: ['system:bootstrappers', 'system:bootstrappers:pilothouse:nodes', 'system:authenticated'],
    });
    expect(authenticateBootstrapToken(t.token, cache.lookupSecret, NOW + 3600_000)).toBeInstanceOf(AuthError);
  });

  it('writes no expiration for a TTL of 0 (never expires)', () => {
    const t = newBootstrapToken();
    const s = bootstrapTokenSecret(t.id, t.secret, 0);
    expect(Object.keys(s.data as object)).not.toContain('expiration');
    const cache = makeCache().put('Secret', s);
    expect(authenticateBootstrapToken(t.token, cache.lookupSecret, NOW * 2)).not.toBeInstanceOf(AuthError);
  });

  it.each([
    ['a group outside system:bootstrappers:', 'abcdef', SECRET, ['system:masters']],
    ['a malformed id', 'ABCDEF', SECRET, []],
    ['a short secret', 'abcdef', 'short', []],
  ])('refuses %s', (_what, id, s, groups) => {
    expect(() => bootstrapTokenSecret(id, s, 60, groups)).toThrow();
  });
});
