/**
 * The same seeded random operations on real etcd (the oracle, through the etcd backend) and on
 * every other target; results must match op by op. Set STORE_DIFF_SEED to replay one seed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, firstDifference } from './differential';
import { generate, type GenOp } from './differential-ops';
import {
  embeddedGrpcTarget,
  etcdTarget,
  memoryTarget,
  type StoreTarget,
  type TargetSession,
} from './targets';

const SEEDS = process.env.STORE_DIFF_SEED ? [Number(process.env.STORE_DIFF_SEED)] : [11, 23, 37];
const OPS = 250;
const TARGETS: StoreTarget[] = [memoryTarget, embeddedGrpcTarget];

const runs = new Map<number, { ops: GenOp[]; expected: unknown[] }>();
const prefix = (target: string, seed: number) => Buffer.from(`/differential/${target}/${seed}/`);

let oracle: TargetSession;
beforeAll(async () => {
  oracle = await etcdTarget.start();
  const store = await oracle.newStore();
  for (const seed of SEEDS) {
    const ops = generate(seed, OPS);
    runs.set(seed, { ops, expected: await execute(store, prefix('etcd', seed), ops) });
  }
});
afterAll(async () => {
  await oracle?.close();
});

for (const target of TARGETS) {
  const missing = await target.missing();
  describe(`differential vs real etcd: ${target.name}`, () => {
    if (missing) {
      it.skip(`needs ${missing}`, () => undefined);
      return;
    }
    let session: TargetSession;
    beforeAll(async () => {
      session = await target.start();
    });
    afterAll(async () => {
      await session?.close();
    });

    it.each(SEEDS)(`seed %i: ${OPS} random operations give etcd's results`, async (seed) => {
      const run = runs.get(seed);
      if (!run) throw new Error(`the etcd run for seed ${seed} is missing`);
      const store = await session.newStore();
      const actual = await execute(store, prefix(target.name.replace(/\W+/g, '-'), seed), run.ops);
      const i = firstDifference(run.expected, actual);
      // On a difference, show the operation and both results rather than two long lists.
      const at = (results: unknown[]) => ({ index: i, op: run.ops[i] ?? 'watch', result: results[i] });
      if (i >= 0) expect(at(actual)).toEqual(at(run.expected));
      expect(actual).toHaveLength(OPS + 1);
    });
  });
}
