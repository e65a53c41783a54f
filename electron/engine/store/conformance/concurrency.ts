/**
 * Conformance: many clients racing a compare-and-swap txn on one key. Each round every client
 * tries "if version == round then put"; serializable txns mean exactly one wins per round, and
 * after R rounds the key's version is R.
 */
import { expect, it } from 'vitest';
import type { Store } from '../types';
import { b, type Ctx } from './context';
import { must } from '../testing/must';

const CLIENTS = 6;
const ROUNDS = 15;

export function concurrencySuite(c: () => Ctx): void {
  it(`lets exactly one of ${CLIENTS} racing clients win each of ${ROUNDS} compare-and-swap rounds`, async () => {
    const ctx = c();
    const clients: Store[] = [ctx.store];
    while (clients.length < CLIENTS) clients.push(await ctx.client());
    const key = ctx.k('cas');
    const winners: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const results = await Promise.all(
        clients.map((client, i) =>
          client.txn({
            compare: [{ key, target: 'version', result: 'equal', value: round }],
            success: [{ put: { key, value: b(`client ${i} round ${round}`) } }],
            failure: [],
          }),
        ),
      );
      const won = results.flatMap((r, i) => (r.succeeded ? [i] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      winners.push(must(won[0]));
      // The winner's revision is the key's new mod revision, and losers saw no newer one.
      const [kv] = (await ctx.store.range({ key })).kvs;
      const winner = must(results[must(won[0])]);
      expect(kv?.modRevision).toBe(winner.header.revision);
      for (const r of results) expect(r.header.revision).toBeLessThanOrEqual(winner.header.revision);
    }
    const [kv] = (await ctx.store.range({ key })).kvs;
    expect(kv?.version).toBe(ROUNDS);
    expect(ctx.rel(must(kv).modRevision)).toBe(ROUNDS);
    expect(Buffer.from(must(kv).value).toString()).toBe(`client ${winners[ROUNDS - 1]} round ${ROUNDS - 1}`);
  });
}
