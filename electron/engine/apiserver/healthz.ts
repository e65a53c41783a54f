/**
 * Health checks behind /livez and /readyz, answered the way kube-apiserver answers them: plain
 * "ok", or with `?verbose` one `[+]name ok` / `[-]name failed: reason withheld` line per check,
 * and `?exclude=name` to leave a check out. These endpoints are open to anonymous callers, so —
 * like kube-apiserver — the reasons stay out of the body; the caller logs `failures` instead.
 * Components register their checks as they start.
 */
export interface HealthCheck {
  name: string;
  /** Must be cheap and must not throw: resolve null when healthy, or the reason it is not. */
  check(): Promise<string | null> | string | null;
}

export interface HealthReport {
  healthy: boolean;
  body: string;
  /** Failed checks with their reasons, for the log. */
  failures: { name: string; reason: string }[];
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
    const failures = results.flatMap((r) =>
      r.problem === null ? [] : [{ name: r.name, reason: r.problem }],
    );
    const healthy = failures.length === 0;
    if (healthy && !query.has('verbose')) return { healthy, body: 'ok', failures };
    const lines = results.map((r) =>
      r.problem === null ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`,
    );
    for (const name of excluded) if (this.checks.has(name)) lines.push(`[+]${name} excluded: ok`);
    lines.push(healthy ? `${endpoint} check passed` : `${endpoint} check failed`);
    return { healthy, body: `${lines.join('\n')}\n`, failures };
  }
}

async function runCheck(c: HealthCheck): Promise<string | null> {
  try {
    return await c.check();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
