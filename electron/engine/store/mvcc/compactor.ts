/**
 * Periodic compaction keeping `retentionSeconds` of history, like etcd's
 * --auto-compaction-mode=periodic: every retention/10 (at most an hour) it samples the revision,
 * and compacts at the revision that was current one retention ago.
 */
export class Compactor {
  private readonly samples: { at: number; rev: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly retentionSeconds: number,
    private readonly currentRevision: () => number,
    private readonly compact: (rev: number) => void,
    private readonly now: () => number = Date.now,
  ) {
    const interval = Math.min(retentionSeconds * 100, 3_600_000);
    this.timer = setInterval(() => this.tick(), Math.max(interval, 100));
    this.timer.unref();
    this.samples.push({ at: this.now(), rev: this.currentRevision() });
  }

  tick(): void {
    const t = this.now();
    this.samples.push({ at: t, rev: this.currentRevision() });
    const cutoff = t - this.retentionSeconds * 1000;
    let target: number | null = null;
    while (this.samples.length > 1 && (this.samples[0] as { at: number }).at <= cutoff) {
      target = (this.samples.shift() as { rev: number }).rev;
    }
    if (target !== null && target > 1) this.compact(target);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
