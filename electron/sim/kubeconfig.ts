/**
 * Reads a kubeconfig (clientcmd v1) into a client Connection: the current context's cluster
 * (server, certificate-authority-data or certificate-authority) and user
 * (client-certificate-data/client-key-data, their file forms, or a token). Enough for the
 * kubeconfig `pilothouse server` writes and for the usual admin kubeconfigs of other clusters;
 * exec and auth-provider plugins are not supported.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import type { Connection } from '../kube/types';

export class KubeconfigError extends Error {
  override name = 'KubeconfigError';
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name?: string; cluster?: Record<string, unknown> }[];
  users?: { name?: string; user?: Record<string, unknown> }[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

export async function loadKubeconfig(file: string, contextName?: string): Promise<Connection> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(err as Error).message}`);
  }
  let doc: KubeconfigFile;
  try {
    doc = (parse(text) ?? {}) as KubeconfigFile;
  } catch (err) {
    throw new KubeconfigError(`kubeconfig ${file} is not valid YAML: ${(err as Error).message}`);
  }
  const dir = path.dirname(file);
  const want = contextName ?? doc['current-context'];
  const ctx = doc.contexts?.find((c) => c.name === want)?.context;
  if (!ctx) throw new KubeconfigError(`kubeconfig ${file} has no context ${want ?? '(no current-context)'}`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  const user = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const server = str(cluster?.server);
  if (!cluster || !server)
    throw new KubeconfigError(`kubeconfig ${file}: cluster ${ctx.cluster ?? ''} has no server`);

  /** The `<key>-data` field (base64) or the `<key>` file, relative to the kubeconfig. */
  const material = async (fields: Record<string, unknown>, key: string): Promise<string | undefined> => {
    const data = str(fields[`${key}-data`]);
    if (data) return Buffer.from(data, 'base64').toString('utf8');
    const f = str(fields[key]);
    if (!f) return undefined;
    try {
      return await readFile(path.resolve(dir, f), 'utf8');
    } catch (err) {
      throw new KubeconfigError(`kubeconfig ${file}: cannot read ${key} ${f}: ${(err as Error).message}`);
    }
  };
  const caPem = await material(cluster, 'certificate-authority');
  if (!caPem) {
    throw new KubeconfigError(
      `kubeconfig ${file}: cluster ${ctx.cluster ?? ''} has no certificate-authority(-data); TLS must be verified`,
    );
  }
  const certPem = await material(user, 'client-certificate');
  const keyPem = await material(user, 'client-key');
  const token = str(user.token);
  if (!token && !(certPem && keyPem)) {
    throw new KubeconfigError(
      `kubeconfig ${file}: user ${ctx.user ?? ''} has neither a client certificate nor a token`,
    );
  }
  return { server, caPem, certPem, keyPem, token };
}
