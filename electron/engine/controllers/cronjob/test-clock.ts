/**
 * An injectable clock for controller tests (ControllerContext.now): it stands still until the
 * test moves it, so time-driven behaviour (CronJob schedules, deadlines, TTLs) is tested
 * without waiting and without timing assertions.
 */
export class TestClock {
  private t: number;

  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }

  /** Bound, so it can be passed as `now`. */
  readonly now = (): Date => new Date(this.t);

  advance(ms: number): void {
    this.t += ms;
  }

  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
}
