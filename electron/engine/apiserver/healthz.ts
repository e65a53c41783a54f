/**
 * Health checks behind /livez and /readyz, answered the way kube-apiserver answers them: plain
 * "ok", or with `?verbose` one `[+]name ok` / `[-]name failed: reason` line per check, and
 * `?exclude=name` to leave a check out. Components register their checks as they start.
 */
export interface HealthCheck {
  name: string;
  /** Must be cheap and must not throw: resolve null when healthy, or the reason it is not. */
  check(): Promise<string | null> | string | null;
}

export interface HealthReport {
  healthy: boolean;
  body: string;
}

export class HealthChecks {
  private readonly checks = new Map<string, HealthCheck>();

  add(check: HealthCheck): void {
    this.checks.set(check.name, check);
  }

  remove(name: string): void {
    this.checks.delete(name);
  }

  async report(endpoint: string, query: URLSearchParams): Promise<HealthReport> {
    const excluded = new Set(query.getAll('exclude'));
    const results = await Promise.all(
      [...this.checks.values()]
        .filter((c) => !excluded.has(c.name))
        .map(async (c) => ({ name: c.name, problem: await runCheck(c) })),
    );
    const healthy = results.every((r) => r.problem === null);
    if (healthy && !query.has('verbose')) return { healthy, body: 'ok' };
    const lines = results.map((r) =>
      r.problem === null ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.problem}`,
    );
    for (const name of excluded) lines.push(`[+]${name} excluded: ok`);
    lines.push(healthy ? `${endpoint} check passed` : `${endpoint} check failed`);
    return { healthy, body: `${lines.join('\n')}\n` };
  }
}

async function runCheck(c: HealthCheck): Promise<string | null> {
  try {
    return await c.check();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
