/**
 * Stream-wide progress requests (etcd 3.5's WatchProgressRequest / RequestProgressAll): the
 * answer — one response with watch_id -1 — goes out once every watch of the stream has reported
 * progress, at the lowest revision reported, so "everything up to R was delivered" holds for all
 * of them. A request arriving while a round is open starts another round when it completes; a
 * stream without watches gets no answer, as in etcd.
 */
export class ProgressRounds<W> {
  private round: { waiting: Set<W>; revision: number; again: boolean } | null = null;

  constructor(
    /** The stream's watches now. */
    private readonly watches: () => Iterable<W>,
    /** Ask one watch for a progress report (its store watch's requestProgress()). */
    private readonly ask: (watch: W) => void,
    /** Send the stream-wide answer. */
    private readonly announce: (revision: number) => void,
  ) {}

  request(): void {
    if (this.round) {
      this.round.again = true;
      return;
    }
    const waiting = new Set(this.watches());
    if (waiting.size === 0) return;
    this.round = { waiting, revision: Infinity, again: false };
    for (const w of waiting) this.ask(w);
  }

  /** Whether `watch` still owes the open round a report. */
  awaits(watch: W): boolean {
    return this.round?.waiting.has(watch) ?? false;
  }

  /** `watch` reported progress up to `revision`; false when no round was waiting for it. */
  answer(watch: W, revision: number): boolean {
    if (!this.round?.waiting.has(watch)) return false;
    this.round.revision = Math.min(this.round.revision, revision);
    this.leave(watch);
    return true;
  }

  /** `watch` ended or answered: it no longer holds the round up. */
  leave(watch: W): void {
    const round = this.round;
    if (!round?.waiting.delete(watch) || round.waiting.size > 0) return;
    this.round = null;
    if (Number.isFinite(round.revision)) this.announce(round.revision);
    if (round.again) this.request();
  }

  clear(): void {
    this.round = null;
  }
}
