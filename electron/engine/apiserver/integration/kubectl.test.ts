/**
 * Every kubectl release installed under the Cloud SDK (`kubectl.1.NN`) against one real control
 * plane, one scripted session per version in its own namespace, asserting what kubectl prints —
 * the lines a user reads — not only exit codes. Versions run one after another (two cores).
 *
 * Left out until controllers exist: `rollout status|history|undo` wait for the deployment
 * controller to create ReplicaSets and report status, and nothing here does that yet.
 *
 * kubectl 1.32+ sends protobuf request bodies from its typed clients (`create namespace`,
 * `auth whoami`, `auth can-i`); those steps need the API server's protobuf decoding.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL_DIR, type KubectlResult, type TestCluster, startTestCluster } from '../testing/cluster';
import { spawnKubectl } from './kubectl-process';

const VERSIONS = (() => {
  try {
    return readdirSync(KUBECTL_DIR)
      .map((f) => /^kubectl\.1\.(\d+)$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
  } catch {
    return [];
  }
})();

const manifests = (mode: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.25
          ports:
            - containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
    - port: 80
      targetPort: 80
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web-config
data:
  mode: ${mode}
---
apiVersion: v1
kind: Secret
metadata:
  name: web-secret
stringData:
  password: hunter2
`;

/** Split a kubectl table into header cells and rows of cells (columns are separated by 2+ spaces or one space). */
function table(stdout: string): { header: string[]; rows: string[][] } {
  const lines = stdout.split('\n').filter((l) => l.trim() !== '');
  return {
    header: (lines[0] ?? '').trim().split(/\s+/),
    rows: lines.slice(1).map((l) => l.trim().split(/\s+/)),
  };
}

function describeResult(r: KubectlResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

let cluster: TestCluster;
let dir = '';
let adminName = '';

beforeAll(async () => {
  cluster = await startTestCluster();
  dir = mkdtempSync(join(tmpdir(), 'ph-kubectl-'));
  writeFileSync(join(dir, 'app.yaml'), manifests('blue', 2));
  writeFileSync(join(dir, 'app-changed.yaml'), manifests('green', 3));
  const cert = new X509Certificate(readFileSync(join(cluster.dataDir, 'pki', 'admin.crt')));
  adminName = /(?:^|\n)CN=([^\n]+)/.exec(cert.subject)?.[1] ?? '';
});

afterAll(async () => {
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(VERSIONS.length === 0)('kubectl sessions', () => {
  it('finds the installed kubectl releases', () => {
    expect(VERSIONS[0]).toBeLessThanOrEqual(27);
    expect(VERSIONS.length).toBeGreaterThanOrEqual(2);
  });

  describe.each(VERSIONS)('kubectl 1.%i', (minor) => {
    const binary = join(KUBECTL_DIR, `kubectl.1.${minor}`);
    const ns = `kubectl-1-${minor}`;
    const run = (args: string[], input?: string) =>
      cluster.kubectl(args, { binary, timeoutMs: 20_000, ...(input !== undefined ? { input } : {}) });
    /** Run in the session's namespace and require success; returns stdout. */
    const ok = async (...args: string[]) => {
      const r = await run(['-n', ns, ...args]);
      expect(r.code, describeResult(r)).toBe(0);
      return r.stdout;
    };
    const fails = async (...args: string[]) => {
      const r = await run(['-n', ns, ...args]);
      expect(r.code, describeResult(r)).not.toBe(0);
      return r.stderr;
    };
    const jsonpath = (what: string[], path: string) => ok('get', ...what, '-o', `jsonpath=${path}`);

    beforeAll(async () => {
      // The session namespace is made through the API so that every later step is independent
      // of `create namespace` (its own test below).
      const r = await cluster.request('POST', '/api/v1/namespaces', { metadata: { name: ns } });
      expect(r.status, r.text).toBe(201);
    });

    it('version prints the server version', async () => {
      const r = await run(['version']);
      expect(r.code, describeResult(r)).toBe(0);
      // 1.27 prints the Go struct by default; 1.28+ print the short form.
      expect(r.stdout).toMatch(
        /^Server Version: (v1\.\d+\.\d+\S*|version\.Info\{.*GitVersion:"v1\.\d+\.\d+[^"]*".*\})$/m,
      );
    });

    it('api-resources lists names, short names, group versions, scope and kind', async () => {
      const out = await ok('api-resources');
      const { header, rows } = table(out);
      expect(header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
      expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
      expect(out).toMatch(/^configmaps\s+cm\s+v1\s+true\s+ConfigMap$/m);
      expect(out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
      expect(out).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
      // Rows without short names have four cells.
      expect(rows.find((r) => r[0] === 'secrets')).toEqual(['secrets', 'v1', 'true', 'Secret']);
    });

    it('explain pod.spec.containers describes the field and lists image', async () => {
      const out = await ok('explain', 'pod.spec.containers');
      expect(out).toMatch(/FIELD: containers <\[\]Container>|RESOURCE: containers <\[\]Object>/);
      expect(out).toMatch(/^\s+image\s+<string>/m);
    });

    it('create namespace', async () => {
      const r = await run(['create', 'namespace', `${ns}-made`]);
      expect(r.stdout, describeResult(r)).toBe(`namespace/${ns}-made created\n`);
      const get = await run(['get', 'namespace', `${ns}-made`, '--no-headers']);
      expect(get.stdout, describeResult(get)).toMatch(new RegExp(`^${ns}-made\\s+Active\\s+\\d+s\\n$`));
    });

    it('apply creates, then leaves unchanged, then configures', async () => {
      const app = join(dir, 'app.yaml');
      expect(await ok('apply', '-f', app)).toBe(
        'deployment.apps/web created\nservice/web created\nconfigmap/web-config created\nsecret/web-secret created\n',
      );
      // stringData is write-only (the server folds it into data), so the three-way patch always
      // carries it and kubectl reports the Secret configured — kube-apiserver does the same.
      expect(await ok('apply', '-f', app)).toBe(
        'deployment.apps/web unchanged\nservice/web unchanged\nconfigmap/web-config unchanged\nsecret/web-secret configured\n',
      );
      expect(await ok('apply', '-f', join(dir, 'app-changed.yaml'))).toBe(
        'deployment.apps/web configured\nservice/web unchanged\nconfigmap/web-config configured\nsecret/web-secret configured\n',
      );
      expect(await jsonpath(['configmap', 'web-config'], '{.data.mode}')).toBe('green');
      expect(await jsonpath(['deployment', 'web'], '{.spec.replicas}')).toBe('3');
      expect(await jsonpath(['secret', 'web-secret'], '{.data.password}')).toBe(
        Buffer.from('hunter2').toString('base64'),
      );
    });

    it('get -o wide prints the columns kubectl shows against kube-apiserver', async () => {
      const deploy = table(await ok('get', 'deployments', '-o', 'wide'));
      expect(deploy.header).toEqual([
        'NAME',
        'READY',
        'UP-TO-DATE',
        'AVAILABLE',
        'AGE',
        'CONTAINERS',
        'IMAGES',
        'SELECTOR',
      ]);
      expect(deploy.rows).toHaveLength(1);
      const [name, ready, upToDate, available, age, containers, images, selector] = deploy.rows[0] ?? [];
      expect({ name, ready, upToDate, available, containers, images, selector }).toEqual({
        name: 'web',
        ready: '0/3',
        upToDate: '0',
        available: '0',
        containers: 'web',
        images: 'nginx:1.25',
        selector: 'app=web',
      });
      expect(age).toMatch(/^\d+s$/);

      const svc = table(await ok('get', 'services', '-o', 'wide'));
      expect(svc.header).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
      expect(svc.rows).toHaveLength(1);
      const row = svc.rows[0] ?? [];
      expect([row[0], row[1], row[3], row[4], row[6]]).toEqual([
        'web',
        'ClusterIP',
        '<none>',
        '80/TCP',
        'app=web',
      ]);
      expect(row[2]).toMatch(/^10\.43\.\d+\.\d+$/);
    });

    it('get -o yaml and -o json print the stored objects', async () => {
      const obj = YAML.parse(await ok('get', 'deployment', 'web', '-o', 'yaml')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- an arbitrary API object
      expect(obj.kind).toBe('Deployment');
      expect(obj.apiVersion).toBe('apps/v1');
      expect(obj.metadata.namespace).toBe(ns);
      expect(obj.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      expect(obj.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toContain(
        '"replicas":3',
      );
      // Defaults kube-apiserver fills in for a Deployment.
      expect(obj.spec.strategy).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' },
      });
      expect(obj.spec.revisionHistoryLimit).toBe(10);

      const list = JSON.parse(await ok('get', 'configmaps', '-o', 'json')) as {
        kind: string;
        items: { metadata: { name: string } }[];
      };
      expect(list.kind).toBe('List');
      expect(list.items.map((i) => i.metadata.name)).toContain('web-config');
    });

    it('get -o jsonpath', async () => {
      expect(await jsonpath(['deployment', 'web'], '{.spec.template.spec.containers[0].image}')).toBe(
        'nginx:1.25',
      );
      expect(
        await jsonpath(['services'], '{range .items[*]}{.metadata.name}:{.spec.ports[0].port}{"\\n"}{end}'),
      ).toBe('web:80\n');
    });

    it('get -w prints objects created after it started', async () => {
      const watch = spawnKubectl(cluster, binary, ['-n', ns, 'get', 'configmaps', '-w']);
      try {
        await watch.waitFor(/^web-config\s+1\s+\S+$/m);
        const r = await cluster.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          metadata: { name: 'watched' },
          data: { a: '1', b: '2' },
        });
        expect(r.status, r.text).toBe(201);
        await watch.waitFor(/^watched\s+2\s+\d+s$/m);
      } finally {
        await watch.stop();
      }
      expect(watch.stdout().split('\n')[0]).toMatch(/^NAME\s+DATA\s+AGE$/);
    });

    it('describe deployment', async () => {
      const out = await ok('describe', 'deployment', 'web');
      expect(out).toMatch(/^Name:\s+web$/m);
      expect(out).toMatch(new RegExp(`^Namespace:\\s+${ns}$`, 'm'));
      expect(out).toMatch(/^Labels:\s+app=web$/m);
      expect(out).toMatch(/^Selector:\s+app=web$/m);
      expect(out).toMatch(/^Replicas:\s+3 desired \| 0 updated \| 0 total \| 0 available \| 0 unavailable$/m);
      expect(out).toMatch(/^StrategyType:\s+RollingUpdate$/m);
      expect(out).toMatch(/^\s+Image:\s+nginx:1\.25$/m);
    });

    it('label and annotate', async () => {
      expect(await ok('label', 'deployment', 'web', 'tier=frontend')).toBe('deployment.apps/web labeled\n');
      // kubectl 1.27 itself printed the verb without its "d" (a client bug, fixed in 1.28).
      expect(await ok('annotate', 'deployment', 'web', 'note=hello')).toBe(
        `deployment.apps/web ${minor === 27 ? 'annotate' : 'annotated'}\n`,
      );
      expect(
        await jsonpath(['deployment', 'web'], '{.metadata.labels.tier}/{.metadata.annotations.note}'),
      ).toBe('frontend/hello');
      expect(await ok('get', 'deployments', '-l', 'tier=frontend', '-o', 'name')).toBe(
        'deployment.apps/web\n',
      );
      expect(await ok('label', 'deployment', 'web', 'tier-')).toBe('deployment.apps/web unlabeled\n');
      expect(await ok('get', 'deployments', '-l', 'tier=frontend', '-o', 'name')).toBe('');
    });

    it('patch: strategic (default), merge and json', async () => {
      const image = '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.26"}]}}}}';
      expect(await ok('patch', 'deployment', 'web', '-p', image)).toBe('deployment.apps/web patched\n');
      // A strategic merge keys containers by name, so the ports of the container survive.
      expect(
        await jsonpath(
          ['deployment', 'web'],
          '{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}',
        ),
      ).toBe('nginx:1.26 80');
      expect(await ok('patch', 'deployment', 'web', '--type=strategic', '-p', image)).toBe(
        'deployment.apps/web patched (no change)\n',
      );

      expect(
        await ok('patch', 'configmap', 'web-config', '--type=merge', '-p', '{"data":{"extra":"x"}}'),
      ).toBe('configmap/web-config patched\n');
      expect(
        await ok(
          'patch',
          'configmap',
          'web-config',
          '--type=json',
          '-p',
          '[{"op":"replace","path":"/data/mode","value":"red"}]',
        ),
      ).toBe('configmap/web-config patched\n');
      expect(await jsonpath(['configmap', 'web-config'], '{.data}')).toBe('{"extra":"x","mode":"red"}');

      // A failed JSON patch `test` is a 422 Invalid whose cause carries json-patch's text, as in kube-apiserver.
      const bad = await fails(
        'patch',
        'configmap',
        'web-config',
        '--type=json',
        '-p',
        '[{"op":"test","path":"/data/mode","value":"blue"}]',
      );
      expect(bad).toMatch(/^The request is invalid: .*testing value \/data\/mode failed/);
      expect(await jsonpath(['configmap', 'web-config'], '{.data.mode}')).toBe('red');
    });

    it('scale sets spec.replicas', async () => {
      expect(await ok('scale', 'deployment', 'web', '--replicas=5')).toBe('deployment.apps/web scaled\n');
      expect(await jsonpath(['deployment', 'web'], '{.spec.replicas}')).toBe('5');
    });

    it('delete with each cascade mode', async () => {
      for (const name of ['bg', 'orphaned', 'fg']) {
        const r = await cluster.request('POST', `/api/v1/namespaces/${ns}/configmaps`, {
          metadata: { name },
        });
        expect(r.status, r.text).toBe(201);
      }
      const deleted = (name: string) =>
        new RegExp(`^configmap "${name}" deleted( from ${ns} namespace)?\\n$`);
      expect(await ok('delete', 'configmap', 'bg', '--cascade=background')).toMatch(deleted('bg'));
      expect(await fails('get', 'configmap', 'bg')).toContain('configmaps "bg" not found');

      // No garbage collector yet: the object stays, marked, with the finalizer the policy asks for.
      const marked = '{.metadata.finalizers} {.metadata.deletionTimestamp}';
      expect(await ok('delete', 'configmap', 'orphaned', '--cascade=orphan', '--wait=false')).toMatch(
        deleted('orphaned'),
      );
      expect(await jsonpath(['configmap', 'orphaned'], marked)).toMatch(
        /^\["orphan"\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
      expect(await ok('delete', 'configmap', 'fg', '--cascade=foreground', '--wait=false')).toMatch(
        deleted('fg'),
      );
      expect(await jsonpath(['configmap', 'fg'], marked)).toMatch(
        /^\["foregroundDeletion"\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
      );
    });

    it('auth whoami shows the admin certificate identity', async () => {
      expect(adminName).not.toBe('');
      const r = await run(['auth', 'whoami']);
      expect(r.code, describeResult(r)).toBe(0);
      expect(r.stdout).toMatch(/^ATTRIBUTE\s+VALUE$/m);
      expect(r.stdout).toMatch(new RegExp(`^Username\\s+${adminName}$`, 'm'));
      expect(r.stdout).toMatch(/^Groups\s+\[.*\bsystem:masters\b.*\]$/m);
    });

    it('auth can-i create pods', async () => {
      const r = await run(['-n', ns, 'auth', 'can-i', 'create', 'pods']);
      expect(r.stdout, describeResult(r)).toBe('yes\n');
      expect(r.code).toBe(0);
    });

    it('logs and exec on an unscheduled pod fail with a clear message', async () => {
      const pod = { metadata: { name: 'lonely' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
      const r = await cluster.request('POST', `/api/v1/namespaces/${ns}/pods`, pod);
      expect(r.status, r.text).toBe(201);
      expect(await fails('logs', 'lonely')).toMatch(/pod lonely does not have a host assigned/);
      expect(await fails('exec', 'lonely', '--', 'true')).toMatch(/pod lonely does not have a host assigned/);
    });

    it('top nodes explains that metrics are not available', async () => {
      expect(await fails('top', 'nodes')).toMatch(/metrics not available/i);
    });
  });
});
