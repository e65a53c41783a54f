/**
 * The real oracle: bodies real kubectl 1.33 sends (it encodes typed requests as protobuf), decoded
 * and compared with the object the same command prints with `-o json --dry-run=client`.
 *
 * Runs live against each of kubectl 1.32 and 1.33 that is installed; its captures are also kept in
 * fixtures/kubectl-1.33.json (our own recorded data) so the comparison runs everywhere. Refresh them
 * with `PILOTHOUSE_WRITE_PROTOBUF_FIXTURES=1 npx vitest run electron/engine/apiserver/protobuf/kubectl.test.ts`.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKubernetesProtobuf } from './decode';
import { type KubectlHarness, startKubectlHarness } from './kubectl-harness';

const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
/** kubectl sends protobuf for typed requests from 1.32 on; the fixtures come from 1.33. */
const VERSIONS = ['1.32', '1.33'].filter((v) => existsSync(path.join(KUBECTL_DIR, `kubectl.${v}`)));
const FIXTURES = path.join(import.meta.dirname, 'fixtures/kubectl-1.33.json');
const PROTOBUF = 'application/vnd.kubernetes.protobuf';

interface Capture {
  args: string[];
  path: string;
  /** The body kubectl sent, base64. */
  body: string;
  /** The JSON the body must decode to. */
  expected: Record<string, unknown>;
}

/**
 * Commands whose object kubectl can also print (`--dry-run=client`): that print is the expected
 * JSON. The others have no dry run; their expected JSON is written out below.
 */
const COMMANDS: { args: string[]; expected?: Record<string, unknown> }[] = [
  { args: ['create', 'namespace', 'x'] },
  { args: ['create', 'configmap', 'c', '--from-literal=a=b', '--from-literal=empty='] },
  { args: ['create', 'secret', 'generic', 's', '--from-literal=p=q'] },
  {
    args: [
      'create',
      'secret',
      'docker-registry',
      'r',
      '--docker-server=s',
      '--docker-username=u',
      '--docker-password=p',
    ],
  },
  { args: ['create', 'serviceaccount', 'sa'] },
  { args: ['create', 'deployment', 'd', '--image=busybox', '--replicas=2', '--port=80'] },
  { args: ['create', 'deployment', 'zero', '--image=nginx', '--image=redis', '--replicas=0'] },
  { args: ['create', 'job', 'j', '--image=busybox', '--', 'sh', '-c', 'exit 0'] },
  { args: ['create', 'cronjob', 'cj', '--image=busybox', '--schedule=*/5 * * * *', '--restart=OnFailure'] },
  { args: ['create', 'service', 'clusterip', 's', '--tcp=80:8080'] },
  { args: ['create', 'service', 'clusterip', 'headless', '--clusterip=None'] },
  { args: ['create', 'service', 'nodeport', 'np', '--tcp=80:http', '--node-port=30080'] },
  { args: ['create', 'service', 'loadbalancer', 'lb', '--tcp=443'] },
  { args: ['create', 'service', 'externalname', 'ext', '--external-name=example.com'] },
  {
    args: ['auth', 'whoami'],
    expected: {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
      status: { userInfo: {} },
    },
  },
  {
    args: ['auth', 'can-i', 'get', 'pods'],
    expected: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'get', resource: 'pods' } },
      // Go writes the status struct even when empty; `allowed` has no omitempty.
      status: { allowed: false },
    },
  },
  {
    args: ['auth', 'can-i', 'list', 'deployments.apps', '--all-namespaces'],
    expected: {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { verb: 'list', group: 'apps', resource: 'deployments' } },
      status: { allowed: false },
    },
  },
];

/**
 * What `--dry-run=client -o json` prints differs from the request body in two ways, both from
 * kubectl rather than the wire: Go's JSON writes unset times as `null` (we leave them out), and the
 * printed object carries the namespace, which the request names in its URL instead.
 */
function expectedFromDryRun(printed: Record<string, unknown>): Record<string, unknown> {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = strip(x);
    return out;
  };
  const object = strip(printed) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  if (object.metadata) delete object.metadata.namespace;
  return object;
}

function loadFixtures(): Capture[] {
  return existsSync(FIXTURES) ? (JSON.parse(readFileSync(FIXTURES, 'utf8')) as Capture[]) : [];
}

describe('kubectl 1.33 protobuf bodies (recorded)', () => {
  const fixtures = loadFixtures();

  it('has recordings to check', () => {
    expect(fixtures.length).toBe(COMMANDS.length);
  });

  it.each(fixtures.map((f) => [f.args.join(' '), f] as const))('%s', (_, capture) => {
    expect(decodeKubernetesProtobuf(Buffer.from(capture.body, 'base64'))).toStrictEqual(capture.expected);
  });
});

describe.skipIf(VERSIONS.length === 0).each(VERSIONS)('kubectl %s protobuf bodies (live)', (version) => {
  let harness: KubectlHarness;
  const captures: Capture[] = [];

  beforeAll(async () => {
    harness = await startKubectlHarness(path.join(KUBECTL_DIR, `kubectl.${version}`));
  });

  afterAll(async () => {
    await harness.close();
    const write = process.env.PILOTHOUSE_WRITE_PROTOBUF_FIXTURES === '1' && version === '1.33';
    if (write && captures.length === COMMANDS.length) {
      writeFileSync(FIXTURES, `${JSON.stringify(captures, null, 2)}\n`);
    }
  });

  it.each(COMMANDS.map((c) => [c.args.join(' '), c] as const))('%s', async (_, { args, expected }) => {
    const result = await harness.run(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [request, ...more] = harness.take();
    expect(more).toEqual([]);
    expect(request?.contentType).toBe(PROTOBUF);
    const body = request?.body ?? Buffer.alloc(0);

    let want = expected;
    if (!want) {
      // The flags go before a `--` (after it they would be the container's command).
      const end = args.includes('--') ? args.indexOf('--') : args.length;
      const dryRun = ['--dry-run=client', '-o', 'json', '--validate=false'];
      const printed = await harness.run([...args.slice(0, end), ...dryRun, ...args.slice(end)]);
      expect(printed.stderr).toBe('');
      want = expectedFromDryRun(JSON.parse(printed.stdout) as Record<string, unknown>);
    }
    expect(decodeKubernetesProtobuf(body)).toStrictEqual(want);
    captures.push({ args, path: request?.path ?? '', body: body.toString('base64'), expected: want });
  });
});
