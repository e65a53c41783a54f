/**
 * A per-client tally of refused requests (4xx), logged once per window when a client keeps
 * sending them — a misconfigured agent, a script with a stale token, someone probing — so the
 * log shows who and how often without one line per request.
 */
import type { Logger } from '../log';

export const BAD_REQUEST_WINDOW_MS = 60_000;
/** Refusals within one window before the client is reported. */
export const BAD_REQUEST_THRESHOLD = 20;

export class BadRequestMeter {
  private counts = new Map<string, { count: number; codes: Record<number, number>; start: number }>();

  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Count one refusal by `client` (user name or remote address) with HTTP `code`. */
  record(client: string, code: number) {
    const t = this.now();
    let entry = this.counts.get(client);
    if (!entry || t - entry.start >= BAD_REQUEST_WINDOW_MS) {
      if (entry && entry.count >= BAD_REQUEST_THRESHOLD) this.report(client, entry);
      entry = { count: 0, codes: {}, start: t };
      this.counts.set(client, entry);
    }
    entry.count++;
    entry.codes[code] = (entry.codes[code] ?? 0) + 1;
    if (entry.count === BAD_REQUEST_THRESHOLD) this.report(client, entry);
    // Keep the map bounded: forget clients whose window ended long ago.
    if (this.counts.size > 10_000) {
      for (const [k, v] of this.counts) if (t - v.start >= BAD_REQUEST_WINDOW_MS) this.counts.delete(k);
    }
  }

  private report(client: string, entry: { count: number; codes: Record<number, number> }) {
    this.log.warn(
      { client, refused: entry.count, byCode: entry.codes, windowSeconds: BAD_REQUEST_WINDOW_MS / 1000 },
      'a client keeps sending requests the API server refuses',
    );
  }
}
