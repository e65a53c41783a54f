/**
 * The service-account signing key: an ECDSA P-256 pair that signs the JWTs the API server hands
 * out through the TokenRequest API (kube-apiserver's --service-account-signing-key-file, with the
 * public half as --service-account-key-file). Kept as DATA_DIR/pki/service-account.key (PKCS#8,
 * 0600) and service-account.pub (SPKI, 0644).
 *
 * Replacing the key invalidates every service-account token in the cluster, so an existing key
 * that cannot be read is refused rather than replaced; only the public half, which follows from
 * the key, is rewritten when it is missing or stale.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { EngineError } from '../errors';
import { readIfExists, writeFileAtomic } from '../files';

export interface ServiceAccountKeyPair {
  /** PKCS#8 PEM of the ES256 signing key. */
  privateKeyPem: string;
  /** SPKI PEM of its public half, what token verifiers trust. */
  publicKeyPem: string;
}

/** Create the key pair when absent, reuse it otherwise; appends what it did to `actions`. */
export async function ensureServiceAccountKey(
  paths: { serviceAccountKey: string; serviceAccountPub: string },
  actions: string[],
): Promise<ServiceAccountKeyPair> {
  const [keyPem, pubPem] = await Promise.all([
    readIfExists(paths.serviceAccountKey),
    readIfExists(paths.serviceAccountPub),
  ]);
  if (keyPem === null) {
    const pair = generateServiceAccountKey();
    // Key first: a crash before the public half is written is repaired on the next start.
    await writeFileAtomic(paths.serviceAccountKey, pair.privateKeyPem, 0o600);
    await writeFileAtomic(paths.serviceAccountPub, pair.publicKeyPem, 0o644);
    actions.push('service-account key: created');
    return pair;
  }
  let publicKeyPem: string;
  try {
    publicKeyPem = publicHalf(keyPem);
  } catch (err) {
    throw new EngineError(
      'PKI_INVALID',
      `${paths.serviceAccountKey} cannot be used (${(err as Error).message}); restore it from a backup, or delete it to create a new one (every service-account token then stops working until it is reissued)`,
      { cause: err },
    );
  }
  if (pubPem?.trim() === publicKeyPem.trim()) {
    actions.push('service-account key: reused');
  } else {
    await writeFileAtomic(paths.serviceAccountPub, publicKeyPem, 0o644);
    actions.push('service-account key: reused (public half rewritten)');
  }
  return { privateKeyPem: keyPem, publicKeyPem };
}

export function generateServiceAccountKey(): ServiceAccountKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** The SPKI PEM of a P-256 private key; throws when the key is unreadable or another type. */
function publicHalf(keyPem: string): string {
  const key = createPrivateKey(keyPem);
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new Error('not an ECDSA P-256 key');
  }
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}
