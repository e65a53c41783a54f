import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../resources/types';
import { PatchError } from '../errors';
import { patchMetaFor } from '../meta';
import { ApplyConflictError, serverSideApply } from './apply';
import { updateManagedFields } from './update';

const META = patchMetaFor('apps', 'Deployment');
const NOW = '2026-01-02T03:04:05Z';
const LATER = '2026-01-02T04:00:00Z';

/** An applied Deployment configuration; `replicas` and the container are adjustable. */
function config(
  opts: { replicas?: number; image?: string; labels?: Record<string, string>; env?: unknown[] } = {},
) {
  const container: Record<string, unknown> = { name: 'nginx', image: opts.image ?? 'nginx:1' };
  if (opts.env) container.env = opts.env;
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
  };
  if (opts.replicas !== undefined) spec.replicas = opts.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: opts.labels ?? { app: 'web' } },
    spec,
  } as KubeObject;
}

const apply = (
  live: KubeObject | undefined,
  applied: KubeObject,
  manager = 'kubectl',
  force = false,
  now = NOW,
) => serverSideApply(live, applied, { manager, force, meta: META, apiVersion: 'apps/v1', now }).object;

const update = (old: KubeObject | undefined, updated: KubeObject, manager: string, subresource?: string) =>
  updateManagedFields(old, updated, {
    manager,
    operation: 'Update',
    apiVersion: 'apps/v1',
    now: LATER,
    subresource,
  });

function firstContainer(obj: KubeObject): Record<string, unknown> {
  const [container] = spec(obj).template.spec.containers;
  if (!container) throw new Error('no container');
  return container;
}
const withReplicas = (obj: KubeObject, replicas: number): KubeObject => ({
  ...obj,
  spec: { ...spec(obj), replicas },
});
const entries = (obj: KubeObject) => obj.metadata?.managedFields ?? [];
const entryOf = (obj: KubeObject, manager: string) => entries(obj).find((e) => e.manager === manager);
const spec = (obj: KubeObject) =>
  obj.spec as { replicas?: number; template: { spec: { containers: Record<string, unknown>[] } } };

describe('serverSideApply', () => {
  it('creates a missing object and records the applier in Kubernetes’ fieldsV1 encoding', () => {
    const object = apply(undefined, config({ replicas: 2 }));
    expect(object.spec).toEqual(config({ replicas: 2 }).spec);
    expect(entries(object)).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: NOW,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
              },
            },
          },
        },
      },
    ]);
  });

  it('merges into the live object, keeping fields nobody applied (defaults, status)', () => {
    const live = { ...apply(undefined, config()), status: { replicas: 1 } };
    firstContainer(live).imagePullPolicy = 'IfNotPresent';
    const object = apply(live, config({ image: 'nginx:2' }));
    expect(spec(object).template.spec.containers).toEqual([
      { name: 'nginx', image: 'nginx:2', imagePullPolicy: 'IfNotPresent' },
    ]);
    expect(object.status).toEqual({ replicas: 1 });
  });

  it('removes fields the applier owned and no longer applies', () => {
    const first = apply(
      undefined,
      config({ labels: { app: 'web', tier: 'front' }, env: [{ name: 'A', value: '1' }] }),
    );
    const object = apply(first, config());
    expect(object.metadata?.labels).toEqual({ app: 'web' });
    expect(spec(object).template.spec.containers[0]).toEqual({ name: 'nginx', image: 'nginx:1' });
    expect(JSON.stringify(entryOf(object, 'kubectl')?.fieldsV1)).not.toContain('tier');
  });

  it('keeps a dropped field that another manager also owns', () => {
    const first = apply(undefined, config({ replicas: 3 }));
    const shared = apply(first, config({ replicas: 3 }), 'other');
    const object = apply(shared, config());
    expect(spec(object).replicas).toBe(3);
    expect(JSON.stringify(entryOf(object, 'other')?.fieldsV1)).toContain('f:replicas');
    expect(JSON.stringify(entryOf(object, 'kubectl')?.fieldsV1)).not.toContain('f:replicas');
  });

  it('conflicts with an Update manager that changed the field (kubectl scale, client-side apply)', () => {
    const live = apply(undefined, config({ replicas: 2 }));
    const scaled = update(live, withReplicas(live, 5), 'kubectl-client-side-apply');
    const run = () => apply(scaled, config({ replicas: 2 }));
    expect(run).toThrow(ApplyConflictError);
    expect(run).toThrow(
      'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
    );
    expect(run).toThrow(
      expect.objectContaining({
        code: 409,
        reason: 'Conflict',
        conflicts: [{ manager: 'kubectl-client-side-apply', field: '.spec.replicas' }],
        causes: [
          {
            reason: 'FieldManagerConflict',
            message: 'conflict with "kubectl-client-side-apply" using apps/v1',
            field: '.spec.replicas',
          },
        ],
      }),
    );
  });

  it('shares ownership when the applied value equals the other manager’s', () => {
    const live = update(undefined, config({ replicas: 4 }), 'creator');
    const object = apply(live, config({ replicas: 4 }));
    expect(JSON.stringify(entryOf(object, 'creator')?.fieldsV1)).toContain('f:replicas');
    expect(JSON.stringify(entryOf(object, 'kubectl')?.fieldsV1)).toContain('f:replicas');
  });

  it('with force takes conflicting fields over', () => {
    const live = update(undefined, config({ replicas: 4, image: 'nginx:0' }), 'creator');
    const object = apply(live, config({ replicas: 1, image: 'nginx:9' }), 'kubectl', true);
    expect(spec(object).replicas).toBe(1);
    const creator = JSON.stringify(entryOf(object, 'creator')?.fieldsV1);
    expect(creator).not.toContain('f:replicas');
    expect(creator).not.toContain('f:image');
    expect(creator).toContain('f:selector');
  });

  it('lists several conflicts grouped by manager', () => {
    const live = update(undefined, config({ replicas: 4, image: 'nginx:0' }), 'creator');
    expect(() => apply(live, config({ replicas: 1, image: 'nginx:9' }))).toThrow(
      'Apply failed with 2 conflicts: conflicts with "creator" using apps/v1:\n' +
        '- .spec.replicas\n' +
        '- .spec.template.spec.containers[name="nginx"].image',
    );
  });

  it('keys ports by containerPort and the defaulted protocol, sets by value', () => {
    const applied = config();
    firstContainer(applied).ports = [{ containerPort: 80 }];
    (applied.metadata as Record<string, unknown>).finalizers = ['example.com/x'];
    const v1 = JSON.stringify(entryOf(apply(undefined, applied), 'kubectl')?.fieldsV1);
    expect(v1).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}"');
    expect(v1).toContain('"v:\\"example.com/x\\""');
  });

  it('does not own status through the main resource', () => {
    const object = apply(undefined, { ...config(), status: { replicas: 9 } } as KubeObject);
    expect(JSON.stringify(entries(object))).not.toContain('f:status');
  });

  it('re-applying the same configuration keeps the object and one entry', () => {
    const first = apply(undefined, config({ replicas: 2 }));
    const second = apply(first, config({ replicas: 2 }), 'kubectl', false, LATER);
    expect(second.spec).toEqual(first.spec);
    expect(entries(second)).toHaveLength(1);
    expect(entries(second)[0]?.time).toBe(LATER);
  });

  it.each([
    [
      'managedFields in the configuration',
      { ...config(), metadata: { name: 'web', managedFields: [] } },
      400,
    ],
    [
      'a list-map element without its key',
      { ...config(), spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      422,
    ],
  ])('rejects %s', (_name, applied, code) => {
    expect(() => apply(undefined, applied as KubeObject)).toThrow(PatchError);
    expect(() => apply(undefined, applied as KubeObject)).toThrow(expect.objectContaining({ code }));
  });
});

describe('updateManagedFields', () => {
  it('records a create as an Update of every field set', () => {
    const object = update(undefined, config({ replicas: 1 }), 'kubectl-create');
    expect(entries(object)).toEqual([
      expect.objectContaining({
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: LATER,
      }),
    ]);
    expect(JSON.stringify(entries(object)[0]?.fieldsV1)).toContain('f:replicas');
  });

  it('moves changed fields from their owner to the writer, with the subresource', () => {
    const live = apply(undefined, config({ replicas: 2 }));
    const scaled = update(live, withReplicas(live, 5), 'kubectl', 'scale');
    expect(entryOf(scaled, 'kubectl')).toBeDefined();
    const scaler = entries(scaled).find((e) => e.operation === 'Update');
    expect(scaler).toMatchObject({ subresource: 'scale', fieldsV1: { 'f:spec': { 'f:replicas': {} } } });
    const applier = entries(scaled).find((e) => e.operation === 'Apply');
    expect(JSON.stringify(applier?.fieldsV1)).not.toContain('f:replicas');
    // Kubernetes lists Apply entries before Update entries.
    expect(entries(scaled).map((e) => e.operation)).toEqual(['Apply', 'Update']);
  });

  it('leaves managedFields alone when the write changes nothing', () => {
    const live = apply(undefined, config({ replicas: 2 }));
    expect(update(live, structuredClone(live), 'someone').metadata?.managedFields).toEqual(
      live.metadata?.managedFields,
    );
  });

  it('keeps the stored entries when the client sends none, strips them for [{}]', () => {
    const live = apply(undefined, config({ replicas: 2 }));
    const sentNone = { ...live, metadata: { ...live.metadata, managedFields: undefined } };
    expect(update(live, sentNone, 'x').metadata?.managedFields).toEqual(live.metadata?.managedFields);
    const reset = { ...live, metadata: { ...live.metadata, managedFields: [{}] } };
    expect(update(live, reset, 'x').metadata).not.toHaveProperty('managedFields');
  });

  it('drops fields a write removed from every manager', () => {
    const live = apply(undefined, config({ labels: { app: 'web', tier: 'front' } }));
    const updated = structuredClone(live);
    delete (updated.metadata?.labels as Record<string, string>).tier;
    const object = update(live, updated, 'editor');
    expect(JSON.stringify(entries(object))).not.toContain('tier');
  });
});
