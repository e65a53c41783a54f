import { describe, expect, it } from 'vitest';
import { type HealthCheck, HealthChecks } from './healthz';

const ok = (name: string): HealthCheck => ({ name, check: () => null });
const failing = (name: string, reason: string): HealthCheck => ({ name, check: async () => reason });

function checks(...list: HealthCheck[]): HealthChecks {
  const health = new HealthChecks();
  for (const c of list) health.add(c);
  return health;
}

const query = (q = '') => new URLSearchParams(q);

describe('HealthChecks.report', () => {
  it('answers plain "ok" when every check passes', async () => {
    const health = checks(ok('ping'), { name: 'etcd', check: async () => null });
    await expect(health.report('readyz', query())).resolves.toEqual({
      healthy: true,
      body: 'ok',
      failures: [],
    });
  });

  it('answers "ok" with no checks registered', async () => {
    await expect(new HealthChecks().report('livez', query())).resolves.toEqual({
      healthy: true,
      body: 'ok',
      failures: [],
    });
  });

  it('lists each check with ?verbose, then the verdict', async () => {
    const health = checks(ok('ping'), ok('etcd'));
    await expect(health.report('readyz', query('verbose'))).resolves.toEqual({
      healthy: true,
      body: '[+]ping ok\n[+]etcd ok\nreadyz check passed\n',
      failures: [],
    });
  });

  it.each([
    ['without verbose', ''],
    ['with verbose', 'verbose=true'],
  ])('reports a failing check, its reason only for the log, %s', async (_name, q) => {
    const health = checks(ok('ping'), failing('etcd', 'no leader'));
    await expect(health.report('livez', query(q))).resolves.toEqual({
      healthy: false,
      // Anonymous callers read this body: the reason is withheld, as kube-apiserver does.
      body: '[+]ping ok\n[-]etcd failed: reason withheld\nlivez check failed\n',
      failures: [{ name: 'etcd', reason: 'no leader' }],
    });
  });

  it.each([
    [
      'throws an Error',
      (): never => {
        throw new Error('store closed');
      },
      'store closed',
    ],
    ['rejects with an Error', () => Promise.reject(new Error('timed out')), 'timed out'],
    ['rejects with a string', () => Promise.reject('plain reason'), 'plain reason'],
  ])('counts a check that %s as failed, with its message', async (_name, check, reason) => {
    const health = checks(ok('ping'), { name: 'store', check });
    await expect(health.report('readyz', query('verbose'))).resolves.toEqual({
      healthy: false,
      body: '[+]ping ok\n[-]store failed: reason withheld\nreadyz check failed\n',
      failures: [{ name: 'store', reason }],
    });
  });

  it('leaves out a check named in ?exclude and lists it as excluded', async () => {
    const health = checks(ok('ping'), failing('etcd', 'no leader'));
    await expect(health.report('readyz', query('exclude=etcd&verbose'))).resolves.toEqual({
      healthy: true,
      body: '[+]ping ok\n[+]etcd excluded: ok\nreadyz check passed\n',
      failures: [],
    });
    await expect(health.report('readyz', query('exclude=etcd'))).resolves.toEqual({
      healthy: true,
      body: 'ok',
      failures: [],
    });
    // Excluding a name nobody registered does not invent a line for it.
    await expect(health.report('readyz', query('exclude=nope&verbose'))).resolves.toMatchObject({
      body: '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n',
    });
  });

  it('does not run an excluded check at all', async () => {
    let ran = false;
    const health = checks(ok('ping'), {
      name: 'slow',
      check: () => {
        ran = true;
        return null;
      },
    });
    await health.report('readyz', query('exclude=slow'));
    expect(ran).toBe(false);
  });

  it('accepts several ?exclude parameters', async () => {
    const health = checks(ok('ping'), failing('a', 'down'), failing('b', 'down'));
    await expect(health.report('readyz', query('exclude=a&exclude=b&verbose'))).resolves.toEqual({
      healthy: true,
      body: '[+]ping ok\n[+]a excluded: ok\n[+]b excluded: ok\nreadyz check passed\n',
      failures: [],
    });
  });

  it('replaces a check added again under the same name, and forgets a removed one', async () => {
    const health = checks(failing('etcd', 'no leader'));
    health.add(ok('etcd'));
    await expect(health.report('readyz', query('verbose'))).resolves.toMatchObject({
      body: '[+]etcd ok\nreadyz check passed\n',
    });

    health.add(failing('scheduler', 'not started'));
    health.remove('scheduler');
    await expect(health.report('readyz', query())).resolves.toEqual({
      healthy: true,
      body: 'ok',
      failures: [],
    });
  });
});
