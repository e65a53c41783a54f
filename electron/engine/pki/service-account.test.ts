import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT, importPKCS8, importSPKI, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import { EngineError } from '../errors';
import { ensureServiceAccountKey, generateServiceAccountKey } from './service-account';

const tempDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((d) => fs.rm(d, { recursive: true, force: true })));
});

async function freshPaths() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'pilothouse-sa-key-'));
  tempDirs.push(dir);
  return { serviceAccountKey: path.join(dir, 'sa.key'), serviceAccountPub: path.join(dir, 'sa.pub') };
}

const mode = async (file: string) => (await fs.stat(file)).mode & 0o777;

describe('ensureServiceAccountKey', () => {
  it('creates a P-256 pair, key 0600, that signs ES256 tokens its public half verifies', async () => {
    const paths = await freshPaths();
    const actions: string[] = [];
    const pair = await ensureServiceAccountKey(paths, actions);

    expect(actions).toEqual(['service-account key: created']);
    expect(await mode(paths.serviceAccountKey)).toBe(0o600);
    expect(await fs.readFile(paths.serviceAccountKey, 'utf8')).toBe(pair.privateKeyPem);
    expect(await fs.readFile(paths.serviceAccountPub, 'utf8')).toBe(pair.publicKeyPem);
    const jwt = await new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'ES256' })
      .sign(await importPKCS8(pair.privateKeyPem, 'ES256'));
    const { payload } = await jwtVerify(jwt, await importSPKI(pair.publicKeyPem, 'ES256'));
    expect(payload.sub).toBe('x');
  });

  it.each([
    ['both files are intact', async () => undefined, 'service-account key: reused'],
    [
      'the public half is missing',
      async (p: { serviceAccountPub: string }) => fs.rm(p.serviceAccountPub),
      'service-account key: reused (public half rewritten)',
    ],
    [
      'the public half belongs to another key',
      async (p: { serviceAccountPub: string }) =>
        fs.writeFile(p.serviceAccountPub, generateServiceAccountKey().publicKeyPem),
      'service-account key: reused (public half rewritten)',
    ],
  ])('keeps the key when %s', async (_what, damage, action) => {
    const paths = await freshPaths();
    const first = await ensureServiceAccountKey(paths, []);
    await damage(paths);
    const actions: string[] = [];
    const second = await ensureServiceAccountKey(paths, actions);

    expect(actions).toEqual([action]);
    expect(second).toEqual(first);
    expect(await fs.readFile(paths.serviceAccountPub, 'utf8')).toBe(first.publicKeyPem);
  });

  it.each([
    ['unparsable', () => 'not a key', /cannot be used/],
    [
      'an RSA key',
      () =>
        generateKeyPairSync('rsa', { modulusLength: 1024 })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      /not an ECDSA P-256 key/,
    ],
  ])('refuses to replace a key file that is %s (PKI_INVALID)', async (_what, content, message) => {
    const paths = await freshPaths();
    const written = content();
    await fs.writeFile(paths.serviceAccountKey, written);

    const attempt = ensureServiceAccountKey(paths, []);
    await expect(attempt).rejects.toBeInstanceOf(EngineError);
    await expect(attempt).rejects.toMatchObject({
      code: 'PKI_INVALID',
      message: expect.stringMatching(message),
    });
    // Nothing was regenerated behind the user's back.
    expect(await fs.readFile(paths.serviceAccountKey, 'utf8')).toBe(written);
  });
});
