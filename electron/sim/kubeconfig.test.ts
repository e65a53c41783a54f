import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { KubeconfigError, loadKubeconfig } from './kubeconfig';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'ph-kubeconfig-'));
  await writeFile(path.join(dir, 'ca.crt'), 'CA FROM FILE');
  await writeFile(path.join(dir, 'client.crt'), 'CERT FROM FILE');
  await writeFile(path.join(dir, 'client.key'), 'KEY FROM FILE');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const b64 = (s: string) => Buffer.from(s).toString('base64');

function config(cluster: Record<string, unknown>, user: Record<string, unknown>, current = 'c') {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': current,
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
    users: [{ name: 'u', user }],
  });
}

async function load(text: string) {
  const file = path.join(dir, `kc-${Math.random().toString(16).slice(2)}.yaml`);
  await writeFile(file, text);
  return loadKubeconfig(file);
}

describe('loadKubeconfig', () => {
  it('reads inline data (what pilothouse server writes)', async () => {
    const conn = await load(
      config(
        { 'certificate-authority-data': b64('CA') },
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      ),
    );
    expect(conn).toEqual({
      server: 'https://127.0.0.1:6443',
      caPem: 'CA',
      certPem: 'CERT',
      keyPem: 'KEY',
      token: undefined,
    });
  });

  it('reads files relative to the kubeconfig, and tokens', async () => {
    const conn = await load(
      config(
        { 'certificate-authority': 'ca.crt' },
        { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
      ),
    );
    expect([conn.caPem, conn.certPem, conn.keyPem]).toEqual([
      'CA FROM FILE',
      'CERT FROM FILE',
      'KEY FROM FILE',
    ]);
    const withToken = await load(config({ 'certificate-authority-data': b64('CA') }, { token: 'abc' }));
    expect(withToken.token).toBe('abc');
  });

  it.each([
    [
      'no such context',
      config({ 'certificate-authority-data': b64('CA') }, { token: 't' }, 'other'),
      /no context other/,
    ],
    ['no CA', config({}, { token: 't' }), /certificate-authority/],
    [
      'no credentials',
      config({ 'certificate-authority-data': b64('CA') }, {}),
      /neither a client certificate nor a token/,
    ],
    [
      'a missing file',
      config({ 'certificate-authority': 'nope.crt' }, { token: 't' }),
      /cannot read certificate-authority/,
    ],
    ['not YAML', 'a: [', /not valid YAML/],
  ])('refuses %s', async (_what, text, message) => {
    await expect(load(text)).rejects.toThrow(KubeconfigError);
    await expect(load(text)).rejects.toThrow(message);
  });
});
