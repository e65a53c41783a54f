import { afterEach, describe, expect, it } from 'vitest';
import { serverSideApply } from './apply';
import { applyPatch, patchMetaFor } from './index';

// Request bodies are decoded with JSON.parse, which makes `__proto__` an ordinary own member;
// a careless merge would then write through it into Object.prototype.
const hostile = JSON.parse(
  '{"__proto__": {"polluted": "yes"}, "metadata": {"__proto__": {"polluted": "yes"}, "labels": {"a": "1"}}}',
) as Record<string, unknown>;
const original = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
const meta = patchMetaFor('', 'Pod');

afterEach(() => {
  delete (Object.prototype as Record<string, unknown>).polluted;
});

describe('__proto__ in a patch', () => {
  it.each(['strategic', 'merge'] as const)('%s merge drops it and touches no prototype', (type) => {
    const result = applyPatch(type, original, hostile, meta) as Record<string, unknown>;
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result.metadata).toEqual({ name: 'p', labels: { a: '1' } });
  });

  it('server-side apply drops it and touches no prototype', () => {
    const { object } = serverSideApply(
      original,
      { ...original, ...hostile },
      {
        manager: 'm',
        force: false,
        meta,
        apiVersion: 'v1',
        now: '2026-01-01T00:00:00Z',
      },
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(object.metadata?.labels).toEqual({ a: '1' });
  });
});
